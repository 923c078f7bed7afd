import {
  closeServer,
  ConfigError,
  createLogger,
  createStytchClient,
  listen,
  type Logger,
  type StytchProject,
  type TrustProxy,
} from '@m2m/shared';
import { assertAdminKey } from './admin/adminKey';
import { createPaymentApp } from './app';
import { CredentialsFile } from './credentials/credentialsFile';
import { DEMO_CALLER_NAME, ensureDemoCaller } from './credentials/demoCaller';
import { loadCredentials } from './credentials/loadCredentials';
import { SecretRotation } from './credentials/secretRotation';
import { TokenProvider, type TokenProviderTuning } from './m2m/tokenProvider';
import { WalletClient } from './wallet/walletClient';

export interface PaymentServerOptions {
  /** 0 picks an ephemeral port (tests). Default 4020. */
  port?: number;
  host?: string;
  /** The Stytch project (hosted, or the local auth-server) the M2M client belongs to. */
  stytchProject: StytchProject;
  walletServerUrl: string;
  /** Holds the client's id and secret (0600); created from clientId/clientSecret when missing. */
  credentialsFile: string;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** At least 32 characters. */
  adminApiKey: string;
  /** Wrong admin keys one IP may send a minute before 429 (default 10). */
  adminKeyFailuresPerMinute?: number;
  /** Express's `trust proxy` (TRUST_PROXY): whose X-Forwarded-For names the caller. Default off. */
  trustProxy?: TrustProxy;
  /** With no credentials in the file or the options, provision a `payment-service` client (local mode). */
  selfProvision?: boolean;
  /** Local mode: provision (or reuse) the `checkout-service` demo caller, its credentials in this file (0600). */
  demoCallerFile?: string;
  /** Payments one caller (client_id) may attempt a minute before 429 (default 600). */
  paymentsPerMinute?: number;
  logger?: Logger;
  tokenProvider?: TokenProviderTuning;
  /** TOKEN_ISSUER_URL: tokens from this OAuth 2.0 issuer (RFC 8414 discovery, e.g. the wallet's URL) instead of the project's endpoint. */
  tokenIssuerUrl?: string;
  /** Deadline of each wallet call (default 5 s). */
  walletTimeoutMs?: number;
  /** The bearer secret of GET /metrics (METRICS_TOKEN); undefined: /metrics answers 404. */
  metricsToken?: string | undefined;
}

export interface RunningPaymentServer {
  /** http://host:port/ */
  url: string;
  port: number;
  /** The payment-server's own M2M client. */
  clientId: string;
  /** The demo caller's client, when `demoCallerFile` was given. */
  demoCallerClientId: string | undefined;
  tokenProvider: TokenProvider;
  /** Stops accepting requests, lets in-flight payments finish, then releases everything. */
  close(): Promise<void>;
}

/** Loads (or provisions) the M2M credentials, builds the token provider and the wallet client, and listens. */
export async function startPaymentServer(options: PaymentServerOptions): Promise<RunningPaymentServer> {
  const { port = 4020, host = '127.0.0.1' } = options;
  assertAdminKey(options.adminApiKey);
  const logger = options.logger ?? createLogger({ name: 'payment-server', level: 'silent' });
  const stytch = createStytchClient(options.stytchProject);
  const owner = { projectId: options.stytchProject.projectId, baseUrl: options.stytchProject.baseUrl };
  const file = new CredentialsFile(options.credentialsFile, owner);
  const loaded = await loadCredentials({
    file,
    stytch,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    selfProvision: options.selfProvision ?? false,
    logger,
  });

  let demoCallerClientId: string | undefined;
  if (options.demoCallerFile) {
    try {
      demoCallerClientId = await ensureDemoCaller({ file: new CredentialsFile(options.demoCallerFile, owner), stytch, logger });
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      const e = err as { error_type?: string; message?: string };
      throw new ConfigError(
        `provisioning the ${DEMO_CALLER_NAME} demo caller failed (${e.error_type ?? e.message ?? String(err)}): is the auth-server running?`,
      );
    }
  }

  const tokenProvider = new TokenProvider({
    ...(options.tokenIssuerUrl !== undefined ? { oauth: { issuer: options.tokenIssuerUrl } } : { stytch }),
    credentials: loaded.credentials,
    logger: logger.child({ component: 'token-provider' }),
    ...options.tokenProvider,
  });
  const wallet = new WalletClient({
    baseUrl: options.walletServerUrl,
    tokens: tokenProvider,
    ...(options.walletTimeoutMs !== undefined && { timeoutMs: options.walletTimeoutMs }),
  });
  const rotation = new SecretRotation({
    stytch,
    file,
    tokenProvider,
    stored: loaded.stored,
    usingNext: loaded.credentials.clientSecret === loaded.stored.next_client_secret,
    logger,
  });

  let stopping = false;
  const app = createPaymentApp({
    wallet,
    rotation,
    stytch,
    adminApiKey: options.adminApiKey,
    adminKeyFailuresPerMinute: options.adminKeyFailuresPerMinute,
    trustProxy: options.trustProxy ?? false,
    paymentsPerMinute: options.paymentsPerMinute,
    logger,
    isReady: () => !stopping,
    tokenProvider,
    metricsToken: options.metricsToken,
  });
  let running;
  try {
    running = await listen(app, port, host, 'PAYMENT_SERVER_PORT');
  } catch (err) {
    tokenProvider.close();
    wallet.close();
    throw err;
  }
  logger.info(
    { clientId: loaded.credentials.clientId, credentialsSource: loaded.source, walletServerUrl: options.walletServerUrl },
    'payment-server ready',
  );

  let closing: Promise<void> | undefined;
  return {
    url: running.url,
    port: running.port,
    clientId: loaded.credentials.clientId,
    demoCallerClientId,
    tokenProvider,
    close() {
      closing ??= (async () => {
        stopping = true;
        await closeServer(running.server);
        tokenProvider.close();
        wallet.close();
      })();
      return closing;
    },
  };
}
