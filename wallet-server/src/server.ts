import {
  closeServer,
  createLogger,
  createStytchClient,
  listen,
  reachableHost,
  type Logger,
  type StytchProject,
  type TokenFailureLimits,
  type TrustProxy,
} from '@m2m/shared';
import type * as stytch from 'stytch';
import { createWalletApp, type WalletAuthorizeOptions } from './app';
import { stytchTokenUrl } from './oauth/stytchTokenEndpoint';
import { jwksUrl, signingKeysProbe } from './signingKeys';
import { openWalletStore } from './wallets/openWalletStore';
import type { PostgresWalletStoreOptions } from './wallets/postgresWalletStore';
import type { WalletSeed } from './wallets/seed';
import type { WalletStore } from './wallets/walletStore';

export interface WalletServerOptions {
  /** 0 picks an ephemeral port (tests). Default 4000, the tutorial's. */
  port?: number;
  host?: string;
  /** A SQLite file, or ':memory:' (the default: state lives as long as the server). */
  databaseFile?: string;
  /** A PostgreSQL URL (WALLET_DATABASE_URL): the wallets live there instead of `databaseFile`. */
  databaseUrl?: string;
  /** The PostgreSQL pool's size and timeouts. */
  postgres?: PostgresWalletStoreOptions;
  /** The Stytch project whose tokens are accepted (hosted Stytch or the local auth-server). */
  stytchProject: StytchProject;
  /** Replaces the client built from `stytchProject` (e.g. one that counts verifications). */
  stytchClient?: stytch.Client;
  logger?: Logger;
  /** authorizeToken options for both routes: maxTokenAgeSeconds, clockToleranceSeconds, cache, realm, the revocation windows... */
  authorize?: WalletAuthorizeOptions;
  /** This server's public URL, advertised in RFC 9728 metadata; default: http://host:port it listens on. */
  publicUrl?: string;
  /** Wallets to create when the database is new; default: the tutorial's two customers. */
  seed?: readonly WalletSeed[];
  /** Express's `trust proxy` (TRUST_PROXY): whose X-Forwarded-For names the caller. Default off. */
  trustProxy?: TrustProxy;
  /** Failed client authentications at POST /oauth2/token before 429; default the auth-server's. */
  tokenFailureLimits?: TokenFailureLimits;
  /** MCP_RESOURCE_CLAIM: a custom claim that may bind a token to this server at /mcp instead of `aud`. */
  mcpResourceClaim?: string;
  /** The bearer secret of GET /metrics (METRICS_TOKEN); undefined: /metrics answers 404. */
  metricsToken?: string | undefined;
}

export interface RunningWalletServer {
  /** http://host:port/ with a trailing slash. */
  url: string;
  port: number;
  wallets: WalletStore;
  /** Stops accepting requests, lets in-flight ones finish, then closes the database. */
  close(): Promise<void>;
}

export async function startWalletServer(options: WalletServerOptions): Promise<RunningWalletServer> {
  const { port = 4000, host = '127.0.0.1', databaseFile = ':memory:', stytchProject } = options;
  const logger = options.logger ?? createLogger({ name: 'wallet-server', level: 'silent' });
  const wallets = await openWalletStore({
    url: options.databaseUrl,
    file: databaseFile,
    seed: options.seed,
    postgres: options.postgres,
    logger,
  });
  // Known once listening (port 0 picks one); no request can arrive before that.
  let listeningUrl = `http://${reachableHost(host)}:${String(port)}`;
  try {
    const stytchClient = options.stytchClient ?? createStytchClient(stytchProject);
    const app = createWalletApp({
      wallets,
      stytchClient,
      logger,
      project: {
        projectId: stytchProject.projectId,
        tokenUrl: stytchTokenUrl(stytchProject),
        jwksUrl: jwksUrl(stytchProject.baseUrl, stytchProject.projectId),
      },
      signingKeysReady: signingKeysProbe(stytchClient, jwksUrl(stytchProject.baseUrl, stytchProject.projectId)),
      publicUrl: options.publicUrl ?? (() => listeningUrl),
      ...(options.authorize && { authorize: options.authorize }),
      ...(options.trustProxy !== undefined && { trustProxy: options.trustProxy }),
      ...(options.tokenFailureLimits && { tokenFailureLimits: options.tokenFailureLimits }),
      ...(options.mcpResourceClaim !== undefined && { mcpResourceClaim: options.mcpResourceClaim }),
      metricsToken: options.metricsToken,
    });
    const running = await listen(app, port, host, 'WALLET_SERVER_PORT');
    listeningUrl = `http://${reachableHost(host)}:${String(running.port)}`;
    let closing: Promise<void> | undefined;
    return {
      url: running.url,
      port: running.port,
      wallets,
      close() {
        closing ??= closeServer(running.server).finally(() => wallets.close());
        return closing;
      },
    };
  } catch (err) {
    await wallets.close();
    throw err;
  }
}
