export { createAuthApp, DEFAULT_RATE_LIMIT, type AuthAppDeps, type RateLimitOptions } from './app';
export { authServerEnv, loadAuthServerConfig, type AuthServerConfig } from './config';
export { startAuthServer, type AuthServerOptions, type RunningAuthServer } from './server';
export { AuditLog, DEFAULT_AUDIT_RETENTION, type AuditEvent, type AuditRetention } from './audit/auditLog';
export { lowerThreadPoolPriority, THREAD_POOL_NICE_STEP, type ThreadPoolPriority } from './threadPoolPriority';
