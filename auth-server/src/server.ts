import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeServer, createLogger, listen, reachableHost, type Logger, type SqliteDatabase, type TrustProxy } from '@m2m/shared';
import { createAuthApp, type RateLimitOptions } from './app';
import { openAuditDatabase } from './audit/auditDatabase';
import { AuditLog, DEFAULT_AUDIT_RETENTION, validateAuditRetention, type AuditRetention } from './audit/auditLog';
import type { SessionLifetimes } from './console/sessions';
import { resolveServedProject } from './project';
import { openAuthStores } from './store/database';
import { validateClaimsTemplate } from './tokens/customClaims';
import { KeyRing, type GenerateSigningKey } from './tokens/keyRing';

export interface AuthServerOptions {
  /** 0 picks an ephemeral port (tests). Default 4010. */
  port?: number;
  host?: string;
  /** A SQLite file, or ':memory:' (the default: state lives as long as the server). */
  databaseFile?: string;
  /** The project served; generated once and persisted when both are unset. */
  projectId?: string | undefined;
  projectSecret?: string | undefined;
  tokenLifetimeSeconds?: number;
  /** Replaces the stored custom claims template at start-up. */
  customClaimsTemplate?: Record<string, unknown> | undefined;
  /** Stored when this start generates the project and no `customClaimsTemplate` is given (the local stack's provisioning). */
  initialCustomClaimsTemplate?: Record<string, unknown> | undefined;
  /** Base URL clients reach this server at; defaults to http://host:port. */
  publicUrl?: string | undefined;
  logger?: Logger;
  rateLimit?: RateLimitOptions;
  /** Express's `trust proxy` (TRUST_PROXY): whose X-Forwarded-For names the caller. Default off. */
  trustProxy?: TrustProxy;
  /** The bearer secret of GET /metrics (METRICS_TOKEN); undefined: /metrics answers 404. */
  metricsToken?: string | undefined;
  /** How long audit events are kept (AUDIT_RETENTION_DAYS, AUDIT_MAX_EVENTS): 30 days, 100 000 events. */
  auditRetention?: AuditRetention;
  /** How long a console session lasts unused, and at most: 30 minutes, 8 hours. */
  consoleSessions?: SessionLifetimes;
  /**
   * The clock (epoch milliseconds) of signing-key ages and expiry, the failure budgets and the
   * tokens' `iat`; Date.now by default. For tests: a controlled clock instead of waiting.
   */
  now?: () => number;
  /**
   * Makes each new signing key (at first start and at every rotation): RSA 2048 from node:crypto by
   * default. The test suites hand out pre-generated keys instead, sparing each of their hundreds of
   * servers the prime search (0.1 to 0.5 s of CPU a key).
   */
  generateSigningKey?: GenerateSigningKey;
}

export interface RunningAuthServer {
  /** http://127.0.0.1:<port>/ — what to give the Stytch SDK as `env`. */
  url: string;
  port: number;
  /** The tokens' `iss`. */
  issuer: string;
  projectId: string;
  projectSecret: string;
  /** true when this start generated the project (first run with no credentials given). */
  projectGenerated: boolean;
  close(): Promise<void>;
}

/** Opens the database, loads the project and its keys, and listens. */
export async function startAuthServer(options: AuthServerOptions = {}): Promise<RunningAuthServer> {
  const { port = 4010, host = '127.0.0.1', databaseFile = ':memory:', tokenLifetimeSeconds = 3600, now = Date.now } = options;
  const logger = options.logger ?? createLogger({ name: 'auth-server', level: 'silent' });
  const template = options.customClaimsTemplate && validateClaimsTemplate(options.customClaimsTemplate);
  const retention = validateAuditRetention(options.auditRetention ?? DEFAULT_AUDIT_RETENTION);
  const stores = openAuthStores(databaseFile);
  // A file gets a second connection for the audit trail (audit/auditDatabase.ts); ':memory:' has only one.
  let auditDb: SqliteDatabase | undefined;
  try {
    const project = await resolveServedProject(stores.project, options, databaseFile);
    if (template) stores.project.setCustomClaimsTemplate(template);
    else if (project.generated && options.initialCustomClaimsTemplate) {
      stores.project.setCustomClaimsTemplate(validateClaimsTemplate(options.initialCustomClaimsTemplate));
    }
    const keys = await KeyRing.load(stores.signingKeys, {
      tokenLifetimeSeconds,
      nowSeconds: () => Math.floor(now() / 1000),
      ...(options.generateSigningKey && { generateSigningKey: options.generateSigningKey }),
    });
    auditDb = databaseFile === ':memory:' ? undefined : openAuditDatabase(databaseFile);
    const audit = new AuditLog(auditDb ?? stores.db, retention, now);

    // The issuer embeds the port, which port 0 only tells after binding: bind first, then route.
    let handle = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(503).end();
    };
    const running = await listen((req, res) => handle(req, res), port, host, 'AUTH_SERVER_PORT');
    const issuer = (options.publicUrl ?? `http://${reachableHost(host)}:${running.port}`).replace(/\/+$/, '');
    handle = createAuthApp({
      project,
      stores,
      keys,
      audit,
      issuer,
      tokenLifetimeSeconds,
      logger,
      now,
      ...(options.rateLimit && { rateLimit: options.rateLimit }),
      ...(options.trustProxy !== undefined && { trustProxy: options.trustProxy }),
      metricsToken: options.metricsToken,
      ...(options.consoleSessions && { consoleSessions: options.consoleSessions }),
    });

    return {
      url: `http://${reachableHost(host)}:${running.port}/`,
      port: running.port,
      issuer,
      projectId: project.projectId,
      projectSecret: project.secret,
      projectGenerated: project.generated,
      async close() {
        await closeServer(running.server);
        audit.close();
        auditDb?.close();
        stores.db.close();
      },
    };
  } catch (err) {
    auditDb?.close();
    stores.db.close();
    throw err;
  }
}
