import path from 'node:path';
import {
  createLogger,
  loadDotenv,
  localProjectFile,
  resolveDataDir,
  resolveMetricsToken,
  runMain,
  stopOnSignals,
  TENANT_CLAIMS_TEMPLATE,
  writeLocalProject,
} from '@m2m/shared';
import { loadAuthServerConfig } from './config';
import { startAuthServer } from './server';
import { lowerThreadPoolPriority } from './threadPoolPriority';

runMain('auth-server', async () => {
  loadDotenv();
  const config = loadAuthServerConfig(process.env);
  const logger = createLogger({ name: 'auth-server', level: config.LOG_LEVEL });
  const dataDir = resolveDataDir(config.DATA_DIR);
  // The auth-server is always local: without METRICS_TOKEN, the stack's token file (made by the first server to start).
  const metrics = resolveMetricsToken({ configured: config.METRICS_TOKEN, local: true, dataDir });
  const server = await startAuthServer({
    port: config.AUTH_SERVER_PORT,
    host: config.HOST,
    databaseFile: path.join(dataDir, 'auth-server.db'),
    projectId: config.STYTCH_PROJECT_ID,
    projectSecret: config.STYTCH_SECRET,
    tokenLifetimeSeconds: config.TOKEN_LIFETIME_SECONDS,
    customClaimsTemplate: config.M2M_CUSTOM_CLAIMS_TEMPLATE,
    // A new local project puts each client's tenant into its tokens, as the wallet's tenancy expects.
    initialCustomClaimsTemplate: TENANT_CLAIMS_TEMPLATE,
    publicUrl: config.AUTH_SERVER_PUBLIC_URL,
    trustProxy: config.TRUST_PROXY,
    metricsToken: metrics.token,
    auditRetention: { days: config.AUDIT_RETENTION_DAYS, maxEvents: config.AUDIT_MAX_EVENTS },
    logger,
  });
  // This process is the auth-server's own: its signatures may wait for the event loop, not the reverse.
  const pool = await lowerThreadPoolPriority();
  // A generated project is published for the other local servers (0600, git-ignored); logs name the
  // file, never the secret. Credentials from the environment stay there: the others read them too.
  const fromEnvironment = config.STYTCH_SECRET !== undefined;
  if (!fromEnvironment) writeLocalProject(dataDir, { projectId: server.projectId, secret: server.projectSecret });
  // Before the line that announces readiness: whoever waits for it may stop the server at once.
  stopOnSignals(() => server.close(), logger);
  logger.info(
    {
      url: server.url,
      console: `${server.url}console`,
      issuer: server.issuer,
      project_id: server.projectId,
      project_credentials: fromEnvironment ? 'STYTCH_PROJECT_ID / STYTCH_SECRET' : localProjectFile(dataDir),
      generated: server.projectGenerated,
      metrics_token_source: metrics.file ?? 'METRICS_TOKEN',
      ...(pool.lowered > 0 ? { signing_threads: `${pool.lowered} at nice ${pool.nice}, the event loop at ${pool.eventLoopNice}` } : {}),
    },
    server.projectGenerated ? 'auth-server listening; a new project was generated and its credentials stored' : 'auth-server listening',
  );
});
