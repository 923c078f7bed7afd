import path from 'node:path';
import { z } from 'zod';
import {
  common,
  DEMO_CALLER_FILE,
  parseEnv,
  reachableHost,
  resolveDataDir,
  stytchMode,
  type Env,
  type StytchSettings,
  type TrustProxy,
} from '@m2m/shared';

/** The payment-server's settings (README, "Configuration"). */
export const paymentServerEnv = {
  HOST: common.HOST,
  PAYMENT_SERVER_PORT: common.PAYMENT_SERVER_PORT,
  WALLET_SERVER_PORT: common.WALLET_SERVER_PORT,
  AUTH_SERVER_PORT: common.AUTH_SERVER_PORT,
  DATA_DIR: common.DATA_DIR,
  LOG_LEVEL: common.LOG_LEVEL,
  STYTCH_ENV: common.STYTCH_ENV,
  STYTCH_PROJECT_ID: common.STYTCH_PROJECT_ID,
  STYTCH_SECRET: common.STYTCH_SECRET,
  AUTH_SERVER_PUBLIC_URL: common.AUTH_SERVER_PUBLIC_URL,
  /** Default: http://127.0.0.1:$WALLET_SERVER_PORT */
  WALLET_SERVER_URL: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * Get the payment-server's tokens from this OAuth 2.0 issuer (RFC 8414 discovery), e.g. the
   * wallet-server's URL, instead of the Stytch project's token endpoint. Unset: the project's.
   */
  TOKEN_ISSUER_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Deadline of each call to the wallet-server, in milliseconds. */
  WALLET_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** Payments one caller (the token's client_id) may attempt a minute before 429. */
  PAYMENT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  CLIENT_ID: z.string().min(1).max(128).optional(),
  CLIENT_SECRET: z.string().optional(),
  ADMIN_API_KEY: z.string().optional(),
  TRUST_PROXY: common.TRUST_PROXY,
  METRICS_TOKEN: common.METRICS_TOKEN,
};

export interface PaymentServerConfig {
  port: number;
  host: string;
  /** Absolute. */
  dataDir: string;
  logLevel: string;
  walletServerUrl: string;
  tokenIssuerUrl: string | undefined;
  walletTimeoutMs: number;
  paymentsPerMinute: number;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  adminApiKey?: string | undefined;
  metricsToken: string | undefined;
  trustProxy: TrustProxy;
  /** STYTCH_ENV=local: the embedded auth-server; the payment-server may provision its own client and admin key. */
  local: boolean;
  /** DATA_DIR/payment-server-credentials.json */
  credentialsFile: string;
  /** DATA_DIR/demo-caller-credentials.json: the local demo caller of the payment API. */
  demoCallerFile: string;
  stytch: StytchSettings;
}

export function loadPaymentServerConfig(env: Env): PaymentServerConfig {
  const c = parseEnv(paymentServerEnv, env);
  const dataDir = resolveDataDir(c.DATA_DIR);
  return {
    port: c.PAYMENT_SERVER_PORT,
    host: c.HOST,
    dataDir,
    logLevel: c.LOG_LEVEL,
    walletServerUrl: c.WALLET_SERVER_URL ?? `http://${reachableHost(c.HOST)}:${c.WALLET_SERVER_PORT}/`,
    tokenIssuerUrl: c.TOKEN_ISSUER_URL,
    walletTimeoutMs: c.WALLET_TIMEOUT_MS,
    paymentsPerMinute: c.PAYMENT_RATE_LIMIT_PER_MINUTE,
    clientId: c.CLIENT_ID,
    clientSecret: c.CLIENT_SECRET,
    adminApiKey: c.ADMIN_API_KEY,
    metricsToken: c.METRICS_TOKEN,
    trustProxy: c.TRUST_PROXY,
    local: stytchMode(c.STYTCH_ENV).kind === 'local',
    credentialsFile: path.join(dataDir, 'payment-server-credentials.json'),
    demoCallerFile: path.join(dataDir, DEMO_CALLER_FILE),
    stytch: {
      STYTCH_ENV: c.STYTCH_ENV,
      STYTCH_PROJECT_ID: c.STYTCH_PROJECT_ID,
      STYTCH_SECRET: c.STYTCH_SECRET,
      AUTH_SERVER_PORT: c.AUTH_SERVER_PORT,
      DATA_DIR: c.DATA_DIR,
      HOST: c.HOST,
      AUTH_SERVER_PUBLIC_URL: c.AUTH_SERVER_PUBLIC_URL,
    },
  };
}
