import express, { type Express } from 'express';
import type * as stytch from 'stytch';
import {
  authorizeToken,
  authorizeTokenMetrics,
  errorHandler,
  httpLogger,
  httpMetrics,
  methodNotAllowed,
  metricsRoute,
  newMetricsRegistry,
  notFound,
  type Logger,
} from '@m2m/shared';
import type { AuthorizeTokenOptions, TokenFailureLimits, TrustProxy } from '@m2m/shared';
import { authorizationServerMetadataRoute } from './oauth/authorizationServerMetadata';
import { jwksProxy } from './oauth/jwksProxy';
import { tokenRoute } from './oauth/tokenRoute';
import { protectedResourceMetadata, PROTECTED_RESOURCE_METADATA_PATH, resourceUrl } from './routes/protectedResourceMetadata';
import { walletRoutes } from './routes/walletRoutes';
import { tenantClientRoutes } from './tenants/tenantClientRoutes';
import { mcpRoutes } from './mcp/mcpRoutes';
import type { SigningKeysProbe } from './signingKeys';
import type { WalletStore } from './wallets/walletStore';

/** authorizeToken options the app passes through; the client, logger, metadata URL, metrics observer and audience binding (/mcp only) are the app's own. */
export type WalletAuthorizeOptions = Omit<
  AuthorizeTokenOptions,
  'client' | 'logger' | 'resourceMetadataUrl' | 'onEvent' | 'resource' | 'resourceClaim'
>;

export interface WalletAppDeps {
  wallets: WalletStore;
  stytchClient: stytch.Client;
  logger: Logger;
  /** The Stytch project the wallet's own token endpoint and JWKS stand in front of. */
  project: {
    projectId: string;
    /** Its token endpoint (oauth/stytchTokenEndpoint.ts stytchTokenUrl). */
    tokenUrl: string;
    /** Its JWKS (signingKeys.ts jwksUrl). */
    jwksUrl: string;
  };
  /** Failed client authentications at POST /oauth2/token before 429; default the auth-server's. */
  tokenFailureLimits?: TokenFailureLimits;
  /** Readiness of token verification; /readyz is not ready while it answers false. */
  signingKeysReady: SigningKeysProbe;
  /**
   * This server's public URL (the RFC 9728 `resource`): WALLET_SERVER_URL, or the address it listens
   * on (a function, since an ephemeral port is known only once listening). Never the request's Host.
   */
  publicUrl: string | (() => string);
  authorize?: WalletAuthorizeOptions;
  /** Express's `trust proxy` (TRUST_PROXY): whose X-Forwarded-For names the caller. Default off. */
  trustProxy?: TrustProxy;
  /**
   * MCP_RESOURCE_CLAIM: a custom claim that may name this server instead of `aud` at /mcp (hosted
   * Stytch ignores RFC 8707 `resource`). Default: only `aud` binds a token to this server.
   */
  mcpResourceClaim?: string;
  /** The bearer secret of GET /metrics (METRICS_TOKEN); undefined: /metrics answers 404 (callers reach this server). */
  metricsToken?: string | undefined;
}

export function createWalletApp(deps: WalletAppDeps): Express {
  const { wallets, logger, publicUrl } = deps;
  const metrics = newMetricsRegistry();
  const tokenMetrics = authorizeTokenMetrics(metrics);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  httpMetrics(app, metrics);
  app.use(httpLogger(logger));

  const resource = () => resourceUrl(typeof publicUrl === 'function' ? publicUrl() : publicUrl);
  const metadataUrl = () => `${resource()}${PROTECTED_RESOURCE_METADATA_PATH}`;
  const authorize: AuthorizeTokenOptions = {
    realm: 'wallet-server',
    ...deps.authorize,
    client: deps.stytchClient,
    logger,
    resourceMetadataUrl: metadataUrl,
    onEvent: tokenMetrics.onEvent,
  };
  // Both routes' guards share one verifier, so one cache (same client, same settings); this one, guarding nothing, reads it.
  tokenMetrics.watchCache(authorizeToken([], authorize));

  app.use(walletRoutes(wallets, authorize));
  app.use(tenantClientRoutes({ stytch: deps.stytchClient, authorize }));

  // The wallet is its customers' authorization server: its URL is the issuer, Stytch stays behind it.
  app.use(
    tokenRoute({
      upstreamUrl: deps.project.tokenUrl,
      projectId: deps.project.projectId,
      ...(deps.tokenFailureLimits && { failureLimits: deps.tokenFailureLimits }),
    }),
  );
  app.use(authorizationServerMetadataRoute(resource));
  app.use(jwksProxy({ upstreamUrl: deps.project.jwksUrl, logger }));
  // The same wallet for AI agents; only its tokens must be bound to this server (the REST routes take any token of the project).
  app.use(mcpRoutes({ wallets, logger, authorize, resource, resourceClaim: deps.mcpResourceClaim }));

  app
    .route(PROTECTED_RESOURCE_METADATA_PATH)
    .get((_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.json(protectedResourceMetadata(resource(), resource()));
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  app
    .route('/healthz')
    .get((_req, res) => {
      res.json({ status: 'ok' });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  app
    .route('/readyz')
    .get(async (_req, res) => {
      const [database, signingKeys] = await Promise.all([wallets.isHealthy(), deps.signingKeysReady()]);
      const ready = database && signingKeys;
      if (!ready) res.status(503).setHeader('Retry-After', '5');
      res.json({
        status: ready ? 'ready' : 'not_ready',
        checks: { database: database ? 'ok' : 'unavailable', signing_keys: signingKeys ? 'ok' : 'unreachable' },
      });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  app.use(metricsRoute({ registry: metrics, token: deps.metricsToken }));

  app.use(notFound);
  app.use(errorHandler());
  return app;
}
