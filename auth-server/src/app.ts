import express, { type Express } from 'express';
import {
  FailureLimiter,
  httpLogger,
  httpMetrics,
  jsonBody,
  metricsRoute,
  newMetricsRegistry,
  TOKEN_FAILURE_LIMITS,
  type Logger,
  type TokenFailureLimits,
  type TrustProxy,
} from '@m2m/shared';
import type { AuditLog } from './audit/auditLog';
import { consoleRoutes } from './console/consoleRoutes';
import { ConsoleSessions, type SessionLifetimes } from './console/sessions';
import { ClientAuthenticator } from './security/clientAuthentication';
import { newStytchRequestId } from './http/envelope';
import { stytchErrorHandler, stytchNotFound } from './http/errorHandler';
import { auditRoutes } from './routes/audit';
import { discoveryRoutes } from './routes/discovery';
import { localExtensionRoutes } from './routes/localExtensions';
import { managementRoutes } from './routes/management';
import { requireProjectCredentials } from './routes/projectAuth';
import { publicKeyRoutes } from './routes/publicKeys';
import { tokenInspectionRoutes } from './routes/tokenInspection';
import { tokenRoutes } from './routes/token';
import { tokenMetrics } from './routes/tokenMetrics';
import type { AuthStores } from './store/database';
import type { KeyRing } from './tokens/keyRing';
import { TokenIssuer } from './tokens/tokenIssuer';

/** Failure budgets (security notes in the README): shared with the wallet's token endpoint, which applies the same rules. */
export type RateLimitOptions = TokenFailureLimits;
export const DEFAULT_RATE_LIMIT: RateLimitOptions = TOKEN_FAILURE_LIMITS;

export interface AuthAppDeps {
  project: { projectId: string; secretHash: string };
  stores: AuthStores;
  keys: KeyRing;
  /** Where client changes, rotations and tokens issued or refused are recorded. */
  audit: AuditLog;
  /** The public base URL without a trailing slash: the tokens' `iss` and the discovery `issuer`. */
  issuer: string;
  tokenLifetimeSeconds: number;
  logger: Logger;
  rateLimit?: RateLimitOptions;
  /** Express's `trust proxy` (TRUST_PROXY): which proxies' X-Forwarded-For names the caller. Default off. */
  trustProxy?: TrustProxy;
  /** The bearer secret of GET /metrics (METRICS_TOKEN); undefined: /metrics answers 404. */
  metricsToken?: string | undefined;
  /** How long a console session lasts unused, and at most. */
  consoleSessions?: SessionLifetimes;
  /** The clock (epoch milliseconds) of the failure budgets and the tokens' `iat`; Date.now. For tests. */
  now?: () => number;
}

/** The Stytch-compatible M2M authorization server as an Express app (it does not listen). */
export function createAuthApp({
  project,
  stores,
  keys,
  audit,
  issuer,
  tokenLifetimeSeconds,
  logger,
  rateLimit = DEFAULT_RATE_LIMIT,
  trustProxy = false,
  metricsToken,
  consoleSessions,
  now = Date.now,
}: AuthAppDeps): Express {
  const { projectId } = project;
  const clientFailures = new FailureLimiter(rateLimit.perClientPerMinute, 60_000, now);
  const unknownIdFailures = new FailureLimiter(rateLimit.perIpPerMinute, 60_000, now);
  const projectFailures = new FailureLimiter(rateLimit.perIpPerMinute, 60_000, now);
  const tokenIssuer = new TokenIssuer({
    projectId,
    issuer,
    lifetimeSeconds: tokenLifetimeSeconds,
    keys,
    template: () => stores.project.customClaimsTemplate(),
    now,
  });
  const environment = projectId.includes('-live-') ? 'live' : 'test';
  const metrics = newMetricsRegistry();

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy);
  httpMetrics(app, metrics);
  app.use(httpLogger(logger, { newRequestId: newStytchRequestId }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const ping = stores.db.prepare('SELECT 1');
  app.get('/readyz', (_req, res) => {
    ping.get();
    res.json({ status: 'ready', keys: keys.publicKeys().length });
  });

  // Public: discovery, keys and the token endpoint (clients authenticate there themselves).
  app.use(discoveryRoutes({ projectId, issuer }));
  app.use(publicKeyRoutes({ projectId, keys }));
  app.use(
    tokenRoutes({
      projectId,
      clients: stores.clients,
      issuer: tokenIssuer,
      authenticator: new ClientAuthenticator(),
      clientFailures,
      unknownIdFailures,
      metrics: tokenMetrics(metrics),
      audit,
    }),
  );
  app.use(metricsRoute({ registry: metrics, token: metricsToken }));

  // Everything else needs the project's Basic credentials, as on Stytch...
  const api = [
    managementRoutes({ clients: stores.clients, environment, audit }),
    localExtensionRoutes({ keys, project: stores.project, clients: stores.clients, tokenIssuer, audit }),
    auditRoutes({ audit }),
    tokenInspectionRoutes({ keys, issuer, projectId, now }),
  ];
  app.use(['/v1/m2m', '/v1/local'], requireProjectCredentials(project, projectFailures), jsonBody({ limit: '64kb' }));
  app.use(api);
  // ...or a console session: the same API under /console/api, and the console's pages.
  app.use(
    consoleRoutes({
      project,
      projectFailures,
      sessions: new ConsoleSessions(consoleSessions, now),
      audit,
      issuer,
      api,
    }),
  );

  app.use(stytchNotFound);
  app.use(stytchErrorHandler());
  return app;
}
