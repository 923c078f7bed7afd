import path from 'node:path';
import { z } from 'zod';
import { common, parseEnv, resolveDataDir, resolveStytchProject, type Env, type StytchProject, type TrustProxy } from '@m2m/shared';

/** The wallet-server's settings (README, "Configuration"). */
export const walletServerEnv = {
  HOST: common.HOST,
  WALLET_SERVER_PORT: common.WALLET_SERVER_PORT,
  DATA_DIR: common.DATA_DIR,
  LOG_LEVEL: common.LOG_LEVEL,
  STYTCH_ENV: common.STYTCH_ENV,
  STYTCH_PROJECT_ID: common.STYTCH_PROJECT_ID,
  STYTCH_SECRET: common.STYTCH_SECRET,
  AUTH_SERVER_PORT: common.AUTH_SERVER_PORT,
  AUTH_SERVER_PUBLIC_URL: common.AUTH_SERVER_PUBLIC_URL,
  /** Where callers reach this server (the RFC 9728 `resource`); the payment-server reads the same variable. */
  WALLET_SERVER_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Refuse tokens issued longer ago than this, even if not expired; unset: any unexpired token. */
  TOKEN_MAX_AGE_SECONDS: z.coerce.number().int().positive().optional(),
  /** Leeway for exp/nbf against the authorization server's clock. */
  TRUST_PROXY: common.TRUST_PROXY,
  CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
  /** A deactivated or deleted client's tokens are refused within this many seconds (one status lookup per client per period). */
  CLIENT_STATUS_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** While status lookups or JWKS reads fail, the last answer serves this much longer; then 503. */
  CLIENT_STATUS_STALE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** The JWKS is re-read this often: a revoked signing key's tokens are refused within it. */
  JWKS_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** At /mcp, a custom claim that may name this server instead of `aud` (hosted Stytch ignores RFC 8707 `resource`). */
  MCP_RESOURCE_CLAIM: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be a claim name: a letter, then letters, digits, _ or - (at most 64)')
    .optional(),
};

export interface WalletServerConfig {
  host: string;
  port: number;
  databaseFile: string;
  logLevel: string;
  stytchProject: StytchProject;
  publicUrl: string | undefined;
  maxTokenAgeSeconds: number | undefined;
  clockToleranceSeconds: number;
  trustProxy: TrustProxy;
  clientStatusMaxAgeSeconds: number;
  clientStatusStaleSeconds: number;
  jwksMaxAgeSeconds: number;
  mcpResourceClaim: string | undefined;
}

/** Reads and checks every variable; a problem throws a ConfigError naming the variable. */
export function loadWalletServerConfig(env: Env): WalletServerConfig {
  const settings = parseEnv(walletServerEnv, env);
  return {
    host: settings.HOST,
    port: settings.WALLET_SERVER_PORT,
    databaseFile: path.join(resolveDataDir(settings.DATA_DIR), 'wallet-server.db'),
    logLevel: settings.LOG_LEVEL,
    stytchProject: resolveStytchProject(settings),
    publicUrl: settings.WALLET_SERVER_URL,
    maxTokenAgeSeconds: settings.TOKEN_MAX_AGE_SECONDS,
    clockToleranceSeconds: settings.CLOCK_TOLERANCE_SECONDS,
    trustProxy: settings.TRUST_PROXY,
    clientStatusMaxAgeSeconds: settings.CLIENT_STATUS_MAX_AGE_SECONDS,
    clientStatusStaleSeconds: settings.CLIENT_STATUS_STALE_SECONDS,
    jwksMaxAgeSeconds: settings.JWKS_MAX_AGE_SECONDS,
    mcpResourceClaim: settings.MCP_RESOURCE_CLAIM,
  };
}
