/**
 * authorizeToken: Express middleware that guards a route with a Stytch M2M access token.
 *
 *   app.post('/api/debit', authorizeToken('write:wallets'), (req, res) => { req.m2m?.client_id ... });
 *
 * This file is meant to be copied into your own Express app. It imports only `express` (types)
 * and `stytch`. Three layers, as in Auth0's express-oauth2-jwt-bearer:
 *   1. token extraction   the `Authorization: Bearer <token>` header, nothing else
 *   2. verification       `client.m2m.authenticateToken` (local, against the project's cached JWKS),
 *                         behind a bounded cache of verified tokens
 *   2b. revocation        the caller's client is still active (`m2m.clients.get`, re-asked every
 *                         `clientStatusMaxAgeSeconds`) and the token's key is still published (the
 *                         JWKS, re-read every `jwksMaxAgeSeconds`): checked on every request, cached or not
 *   3. express glue       scope and age checks per route, RFC 6750 answers, `req.m2m`
 *
 * Answers (RFC 6750 §3, RFC 9728 §5.1), with a JSON body `{ error: { code, message, request_id } }`:
 *   no credentials        401  WWW-Authenticate: Bearer realm="…"[, resource_metadata="…"]   code missing_token
 *   (or another scheme's)
 *   malformed header      400  WWW-Authenticate: Bearer …, error="invalid_request"
 *   bad / expired token   401  WWW-Authenticate: Bearer …, error="invalid_token"
 *   missing scope         403  WWW-Authenticate: Bearer …, error="insufficient_scope", scope="…"
 *   revoked client / key  401  WWW-Authenticate: Bearer …, error="invalid_token"
 *   keys or client status 503  Retry-After                                                    code temporarily_unavailable
 *   unreachable
 * A client's mistake is never a 500; a token never reaches a log line or a response.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import * as stytch from 'stytch';

/** What a verified token says about its caller; on `req.m2m` in guarded routes (frozen: cached entries are shared). */
export interface M2MIdentity {
  readonly client_id: string;
  readonly scopes: readonly string[];
  readonly custom_claims: Readonly<Record<string, unknown>>;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by authorizeToken on the routes it guards; undefined elsewhere. */
      m2m?: M2MIdentity;
    }
  }
}

/** The two methods used; a pino or winston logger fits, and so does `console`. */
export interface AuthorizeTokenLogger {
  warn(details: Record<string, unknown>, message: string): void;
  info(details: Record<string, unknown>, message: string): void;
}

export interface AuthorizeTokenOptions {
  /** Defaults to one client built (on first use) from STYTCH_PROJECT_ID, STYTCH_SECRET and STYTCH_ENV (test, live or a base URL). */
  client?: stytch.Client;
  /** Refuse tokens issued longer ago than this (the `iat` claim), even if not expired. */
  maxTokenAgeSeconds?: number;
  /** Leeway for `exp`, `nbf` and `iat` between this server's clock and the authorization server's. */
  clockToleranceSeconds?: number;
  /** Refuse tokens whose lifetime (`exp - iat`) is longer than this. Default 86,400 (24 h, Stytch's maximum). */
  maxTokenLifetimeSeconds?: number;
  /**
   * Refuse tokens of a deactivated or deleted client. The status comes from `client.m2m.clients.get`
   * (a management call: it needs the project secret), asked at most once per client per
   * `clientStatusMaxAgeSeconds`. Default true; `false` accepts a revoked client's tokens until they expire.
   */
  clientStatus?: boolean;
  /** How long a client's status is trusted before it is asked again: the revocation window. Default 30. */
  clientStatusMaxAgeSeconds?: number;
  /**
   * While status lookups (or JWKS reads) fail, the last known answer is trusted this much longer;
   * then the middleware answers 503 rather than fail open. Default 300.
   */
  clientStatusStaleSeconds?: number;
  /**
   * Re-read the project's JWKS at least this often and refuse tokens whose key is no longer
   * published (a revoked signing key). Default 60; `false` leaves it to the SDK (whose JWKS cache lasts 10 minutes).
   */
  jwksMaxAgeSeconds?: number | false;
  /**
   * Verified tokens are remembered until they expire, so a token is verified once, not per request.
   * `false` verifies every request. The cache is shared by every middleware using the same client
   * (so one verification serves every route), and scopes and age are still checked per route.
   */
  cache?: false | { maxEntries: number };
  /** The `realm` of WWW-Authenticate challenges. */
  realm?: string;
  /**
   * RFC 9728 metadata URL advertised in 401 challenges as `resource_metadata="…"`.
   * A function receives the request (e.g. to build it from the Host header); omitted: not advertised.
   */
  resourceMetadataUrl?: string | ((req: Request) => string);
  /**
   * Receives one line per refused request (reason and client_id when known, never the token).
   * pino-http's `req.log` is preferred when present (its lines carry the request id). Default: silent.
   */
  logger?: AuthorizeTokenLogger;
}

const DEFAULT_CACHE_ENTRIES = 10_000;
/** How long a caller should wait when the signing keys can't be fetched (jose re-fetches on the next request). */
const RETRY_AFTER_SECONDS = 5;
const DEFAULTS = { maxTokenLifetimeSeconds: 86_400, clientStatusMaxAgeSeconds: 30, clientStatusStaleSeconds: 300, jwksMaxAgeSeconds: 60 };
/** A status lookup or JWKS read that takes longer than this counts as failed (the SDK's own timeout is 10 minutes). */
const LOOKUP_TIMEOUT_MS = 3_000;
/** After a failed lookup, the next attempt waits this long: a down authorization server gets no storm. */
const LOOKUP_RETRY_MS = 2_000;

// ---------------------------------------------------------------------------------------------
// Errors: one class carries the status, the RFC 6750 code and what the challenge header says.
// ---------------------------------------------------------------------------------------------

type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

export class AuthorizationError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 503,
    /** The RFC 6750 error code for the challenge; undefined when the request had no credentials (RFC 6750 §3.1). */
    readonly bearerError: BearerErrorCode | undefined,
    /** The `code` of the JSON body. */
    readonly code: string,
    message: string,
    /** For the log line: why, in more detail than the caller is told. */
    readonly reason: string = message,
    readonly details: { scope?: string; clientId?: string } = {},
  ) {
    super(message);
    this.name = 'AuthorizationError';
  }
}

const missingToken = (message: string) => new AuthorizationError(401, undefined, 'missing_token', message);
const invalidRequest = (message: string) => new AuthorizationError(400, 'invalid_request', 'invalid_request', message);
const invalidToken = (message: string, reason = message, clientId?: string) =>
  new AuthorizationError(401, 'invalid_token', 'invalid_token', message, reason, clientId ? { clientId } : {});
const temporarilyUnavailable = (message: string, reason: string, clientId?: string) =>
  new AuthorizationError(503, undefined, 'temporarily_unavailable', message, reason, clientId ? { clientId } : {});

// ---------------------------------------------------------------------------------------------
// 1. Token extraction
// ---------------------------------------------------------------------------------------------

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
// Credentials of another scheme (Basic, Digest, ...): RFC 6750 §3.1 treats them as no credentials for us.
const OTHER_SCHEME = /^(?!Bearer\b)[A-Za-z][\w!#$%&'*+.^`|~-]* +\S/i;

/** The token from `Authorization: Bearer <token>`; undefined when the request carries no credentials at all. */
export function extractBearerToken(req: Request): string | undefined {
  // RFC 6750 §2.2/§2.3 methods (form body, query string) leak tokens into logs and histories: refused.
  if (hasTokenOutsideHeader(req)) {
    throw invalidRequest('Send the access token in the Authorization header (Bearer), not in the query string or body');
  }
  const header = req.headers.authorization;
  if (header === undefined || OTHER_SCHEME.test(header.trim())) return undefined;
  const match = BEARER.exec(header.trim());
  if (!match) {
    throw invalidRequest("The Authorization header must be 'Bearer <token>', with exactly one token");
  }
  return match[1];
}

function hasTokenOutsideHeader(req: Request): boolean {
  // Cheap tests first, on every request: Express 5 parses req.query anew on each read.
  if (/access(_|%5f)token/i.test(req.url)) {
    const query = req.query as Record<string, unknown> | undefined;
    if (query && typeof query === 'object' && 'access_token' in query) return true;
  }
  // Only a form body is a token-carrying method (RFC 6750 §2.2); a JSON field named access_token is the app's business.
  const body = req.body as Record<string, unknown> | undefined;
  return Boolean(body && typeof body === 'object' && 'access_token' in body && req.is?.('application/x-www-form-urlencoded'));
}

// ---------------------------------------------------------------------------------------------
// 2. Verification, behind a cache of verified tokens
// ---------------------------------------------------------------------------------------------

/** A token that passed signature, issuer, audience, typ, time and claim-type checks. */
interface VerifiedToken {
  identity: M2MIdentity;
  /** Seconds since the epoch; from the verified payload. */
  issuedAt: number;
  expiresAt: number;
  /** The signing key's id (header `kid`), checked against the published JWKS on every request. */
  kid: string | undefined;
}

/**
 * A bounded LRU (a Map keeps insertion order: re-inserting on a hit moves an entry to the end).
 * The key is the exact token string, and only canonical tokens get in (see isCanonicalJws): a
 * token has one key, so rewritten variants of it can neither share an entry nor flush the cache.
 */
class VerifiedTokenCache {
  private readonly entries = new Map<string, VerifiedToken>();
  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string, nowSeconds: number, clockTolerance: number): VerifiedToken | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    // The same rule as jose: expired once now - tolerance >= exp.
    if (nowSeconds - clockTolerance >= entry.expiresAt) return undefined;
    this.entries.set(token, entry);
    return entry;
  }

  set(token: string, entry: VerifiedToken): void {
    this.entries.delete(token);
    this.entries.set(token, entry);
    evictOldest(this.entries, this.maxEntries);
  }

  delete(token: string): void {
    this.entries.delete(token);
  }
}

function evictOldest(entries: Map<string, unknown>, maxEntries: number): void {
  while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
}

/**
 * Verifies tokens for one client; with a cache, concurrent requests with the same new token share
 * one verification. Cached or not, every request then passes the revocation checks (section 2b).
 */
class TokenVerifier {
  private readonly inFlight = new Map<string, Promise<VerifiedToken>>();
  constructor(
    private readonly client: stytch.Client,
    readonly cache: VerifiedTokenCache | undefined,
    private readonly revocation: { keys: PublishedKeys | undefined; clients: ClientStatusCache | undefined },
  ) {}

  async verify(token: string, clockTolerance: number | undefined): Promise<VerifiedToken> {
    const verified = await this.verifySignature(token, clockTolerance);
    const clientId = verified.identity.client_id;
    const { keys, clients } = this.revocation;
    // Fresh answers come back synchronously: the steady state adds two lookups per request, no await.
    const published = keys?.isPublished(verified.kid) ?? true;
    if (!(published instanceof Promise ? await published : published)) {
      this.cache?.delete(token);
      throw invalidToken(
        'The token is signed with a key this project no longer publishes',
        `signing key revoked (kid ${verified.kid ?? 'missing'})`,
        clientId,
      );
    }
    const known = clients?.statusOf(clientId) ?? 'active';
    const status = known instanceof Promise ? await known : known;
    if (status !== 'active') {
      throw invalidToken(CLIENT_REVOKED_DESCRIPTION, `client revoked (${status})`, clientId);
    }
    return verified;
  }

  private async verifySignature(token: string, clockTolerance: number | undefined): Promise<VerifiedToken> {
    // Without a cache, every request is verified on its own (what `cache: false` promises).
    if (!this.cache) return this.verifyWithStytch(token, clockTolerance);
    const cached = this.cache.get(token, Date.now() / 1000, clockTolerance ?? 0);
    if (cached) return cached;
    const pending = this.inFlight.get(token);
    if (pending) return pending;
    const verification = this.verifyWithStytch(token, clockTolerance).finally(() => this.inFlight.delete(token));
    this.inFlight.set(token, verification);
    return verification;
  }

  private async verifyWithStytch(token: string, clockTolerance: number | undefined): Promise<VerifiedToken> {
    // Before any RSA work: `token=`, `token==` or a changed last character decode to the same bytes.
    if (!isCanonicalJws(token)) throw invalidToken('The token is not a well-formed JWT', 'not three canonical base64url segments');
    let identity: M2MIdentity;
    try {
      // No required_scopes and no max age here: those are per route (step 3), so one cached verification serves every route.
      const result = await this.client.m2m.authenticateToken({
        access_token: token,
        ...(clockTolerance !== undefined && { clock_tolerance_seconds: clockTolerance }),
      });
      // Frozen, because one cached identity is handed to every request that carries the token.
      identity = deepFreeze({ client_id: result.client_id, scopes: result.scopes.filter(Boolean), custom_claims: result.custom_claims });
    } catch (err) {
      throw toAuthorizationError(err);
    }
    // The signature has been checked, so the payload can be trusted to be what the issuer signed,
    // but not to have the types an M2M access token has: jose checks little beyond exp/nbf/iat being numbers.
    const claims = decodePart(token, 1);
    const { issuedAt, expiresAt } = checkClaims(claims, clockTolerance ?? 0);
    const kid = decodePart(token, 0).kid;
    const verified = { identity, issuedAt, expiresAt, kid: typeof kid === 'string' ? kid : undefined };
    this.cache?.set(token, verified);
    return verified;
  }
}

/** Each segment is base64url without padding, in its one canonical spelling (RFC 7515 §2, RFC 4648 §3.5). */
function isCanonicalJws(token: string): boolean {
  const segments = token.split('.');
  return segments.length === 3 && segments.every((segment) => Buffer.from(segment, 'base64url').toString('base64url') === segment);
}

/**
 * The claims of an M2M access token, with their types: a string `sub` (the client), numeric
 * finite `iat` and `exp`, `iat` not in the future. Other Stytch products sign with the same keys
 * for the same audience and issuer; their tokens carry claims an M2M token never has: a Connected
 * Apps access token names its app in `client_id` (its `sub` is a user or member), a session JWT
 * has the `https://stytch.com/session` claim. (A `sub` prefix is no test: clients may be created
 * with their own client_id.)
 */
function checkClaims(claims: Record<string, unknown>, clockTolerance: number): { issuedAt: number; expiresAt: number } {
  const { sub, iat, exp } = claims;
  if (sub === undefined || sub === '') throw invalidToken('The token names no client (sub claim missing)');
  if (typeof sub !== 'string') throw invalidToken('The token has an invalid sub claim (not a string)');
  if ('client_id' in claims) {
    throw invalidToken('The token is not an M2M access token', 'client_id claim present (a Connected Apps access token)', sub);
  }
  if ('https://stytch.com/session' in claims)
    throw invalidToken('The token is not an M2M access token', 'session claim present (a session JWT)', sub);
  if (exp === undefined) throw invalidToken('The token never expires (exp claim missing)', 'exp claim missing', sub);
  if (!isFiniteNumber(exp)) throw invalidToken('The token has an invalid exp claim (not a finite number)', 'exp not a finite number', sub);
  if (!isFiniteNumber(iat))
    throw invalidToken('The token has no valid issue time (iat claim missing or not a finite number)', 'iat invalid', sub);
  if (iat > Date.now() / 1000 + clockTolerance) throw invalidToken('The token was issued in the future (iat)', 'iat in the future', sub);
  return { issuedAt: iat, expiresAt: exp };
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The JSON object of one segment (0: header, 1: payload) of a token the SDK has verified. */
function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  try {
    const part: unknown = JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'));
    return part && typeof part === 'object' && !Array.isArray(part) ? (part as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Tells a bad token (401) from keys we could not fetch (503); anything else is rethrown (the app's 500). */
function toAuthorizationError(err: unknown): unknown {
  if (err instanceof stytch.ClientError) {
    if (err.code === 'jwt_invalid') {
      if (keysUnavailable(err.cause)) {
        return new AuthorizationError(
          503,
          undefined,
          'temporarily_unavailable',
          'The token could not be verified because the signing keys are unavailable; retry later',
          `JWKS fetch failed: ${describeCause(err.cause)}`,
        );
      }
      const message = describeInvalidToken(err.cause);
      return invalidToken(message, `${message} (${describeCause(err.cause) || err.message})`);
    }
    return invalidToken('The token could not be verified', `SDK refused the token: ${err.code}`);
  }
  if (err instanceof TypeError) {
    // The SDK reads claims it has not type-checked (`scope.split` on a token without a string scope):
    // the signature was valid, but this is not an M2M access token.
    return invalidToken(
      'The token is not an M2M access token (its scope claim is missing or malformed)',
      `SDK error: ${describeCause(err)}`,
    );
  }
  return err;
}

// jose's codes for a fault of the token itself; any other failure is in fetching the keys.
const TOKEN_FAULT = /^ERR_(JWT_|JWS_|JWKS_NO_MATCHING_KEY|JWKS_MULTIPLE_MATCHING_KEYS|JOSE_ALG_NOT_ALLOWED|JOSE_NOT_SUPPORTED)/;

/**
 * True when verification failed for want of the keys: a network or TLS error, a timeout, a JWKS
 * answer that is not one. Listing the token's faults (not the fetch's) makes an unforeseen fetch
 * failure (an expired certificate on a proxy, say) a 503 to retry, rather than a bad token.
 */
function keysUnavailable(cause: unknown): boolean {
  if (cause === undefined || cause === null) return false;
  const code = (cause as { code?: unknown }).code;
  return !(typeof code === 'string' && TOKEN_FAULT.test(code));
}

function describeInvalidToken(cause: unknown): string {
  const { code, claim } = (cause ?? {}) as { code?: unknown; claim?: unknown };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'The token has expired; get a new one';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      switch (claim) {
        case 'nbf':
          return 'The token is not valid yet (nbf)';
        case 'aud':
          return 'The token was issued for another audience (aud is not this project)';
        case 'iss':
          return 'The token was issued by another issuer (iss)';
        case 'typ':
          return 'The token is not a JWT access token (typ)';
        default:
          return `The token has an invalid ${typeof claim === 'string' ? claim : ''} claim`.replace('  ', ' ');
      }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'The token signature does not verify';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'The token is signed with a key this project does not publish';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'The token is signed with an algorithm that is not accepted';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'The token is not a well-formed JWT';
    default:
      return 'The token could not be verified';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
  }
  return cause === undefined ? '' : String(cause);
}

// ---------------------------------------------------------------------------------------------
// 2b. Revocation: a deactivated or deleted client, a signing key no longer published
// ---------------------------------------------------------------------------------------------
// A JWT stays valid until it expires, and Stytch does not invalidate the tokens of a deleted
// client. So every request, even one served from the verified-token cache, asks two caches that
// are refreshed on a short period; while the authorization server can't answer, the last known
// answer is trusted for `staleMs` more, then requests get 503: never fail open forever.

type ClientStatus = 'active' | 'inactive' | 'deleted';

/** The error_description of a revoked client's 401: a caller can tell that a fresh token won't help. */
export const CLIENT_REVOKED_DESCRIPTION = 'The client this token was issued to is deactivated or deleted';

/** Shared by the two caches: a value, when it was learnt, and one lookup at a time that backs off after failing. */
class Refreshed<T> {
  value: T | undefined;
  private learntAt = -Infinity;
  private failedAt = -Infinity;
  private failure = '';
  private pending: Promise<void> | undefined;

  constructor(private readonly lookup: () => Promise<T>) {}

  /** The value if learnt less than `maxAgeMs` ago. */
  fresh(maxAgeMs: number): T | undefined {
    return Date.now() - this.learntAt < maxAgeMs ? this.value : undefined;
  }

  /** The value, looked up again once older than `maxAgeMs`; a failed lookup leaves the last value usable `staleMs` longer. */
  async get(maxAgeMs: number, staleMs: number, what: string, clientId?: string): Promise<T> {
    const fresh = this.fresh(maxAgeMs);
    if (fresh !== undefined) return fresh;
    if (Date.now() - this.failedAt >= LOOKUP_RETRY_MS) this.pending ??= this.refresh();
    if (this.pending) await this.pending;
    if (this.value !== undefined && Date.now() - this.learntAt < maxAgeMs + staleMs) return this.value;
    throw temporarilyUnavailable(
      `The token could not be checked because the ${what} is unavailable; retry later`,
      `${what} lookup failed: ${this.failure}`,
      clientId,
    );
  }

  private async refresh(): Promise<void> {
    try {
      this.value = await withTimeout(this.lookup(), LOOKUP_TIMEOUT_MS);
      this.learntAt = Date.now();
      this.failedAt = -Infinity;
    } catch (err) {
      this.failedAt = Date.now();
      this.failure = describeCause(err) || 'unknown error';
    } finally {
      this.pending = undefined;
    }
  }
}

/**
 * Each client's status from `m2m.clients.get`, at most one lookup per client per period. Bounded to
 * `maxEntries` clients, evicting the least recently looked up (an active client is looked up every period).
 */
class ClientStatusCache {
  private readonly entries = new Map<string, Refreshed<ClientStatus>>();
  constructor(
    private readonly client: stytch.Client,
    private readonly maxAgeMs: number,
    private readonly staleMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The status, synchronously while fresh; otherwise a promise of it (a lookup, or 503 once too stale). */
  statusOf(clientId: string): ClientStatus | Promise<ClientStatus> {
    let entry = this.entries.get(clientId);
    const fresh = entry?.fresh(this.maxAgeMs);
    if (fresh !== undefined) return fresh;
    if (entry) this.entries.delete(clientId);
    entry ??= new Refreshed(() => this.lookup(clientId));
    this.entries.set(clientId, entry);
    evictOldest(this.entries, this.maxEntries);
    return entry.get(this.maxAgeMs, this.staleMs, 'client status', clientId);
  }

  private async lookup(clientId: string): Promise<ClientStatus> {
    try {
      const { m2m_client } = await this.client.m2m.clients.get({ client_id: clientId });
      return m2m_client.status === 'active' ? 'active' : 'inactive';
    } catch (err) {
      // Deleted is an answer, not a failure; anything else (network, 429, 5xx) is.
      if (err instanceof stytch.StytchError && err.status_code === 404) return 'deleted';
      throw err;
    }
  }
}

/** jose's remote key set inside the SDK client (not in the SDK's types): reloading it also refreshes what verification uses. */
interface SdkKeySet {
  reload(): Promise<void>;
  jwks(): { keys: { kid?: unknown }[] } | undefined;
}

/**
 * The kids of the project's JWKS, re-read at most every `maxAgeMs`. The SDK's own key set is
 * reloaded (the same GET /v1/sessions/jwks/{project_id}, public on hosted Stytch), since its
 * cache cannot be tuned and lasts 10 minutes; its answer is then what both the SDK and this check use.
 */
class PublishedKeys {
  private readonly kids: Refreshed<ReadonlySet<string>>;
  constructor(
    private readonly keySet: SdkKeySet,
    private readonly maxAgeMs: number,
    private readonly staleMs: number,
  ) {
    this.kids = new Refreshed(async () => {
      await this.keySet.reload();
      return this.currentKids();
    });
  }

  static of(client: stytch.Client): SdkKeySet {
    const keySet = (client.m2m as unknown as { jwksClient?: Partial<SdkKeySet> }).jwksClient;
    if (typeof keySet?.reload !== 'function' || typeof keySet.jwks !== 'function') {
      // A future SDK may keep its keys elsewhere: refuse to run without the check rather than skip it.
      throw new Error('authorizeToken: this stytch SDK does not expose its JWKS key set; pin stytch 14, or set jwksMaxAgeSeconds: false');
    }
    return keySet as SdkKeySet;
  }

  /** Synchronously true for a kid of a fresh JWKS; otherwise a promise (a re-read, or 503 once too stale). */
  isPublished(kid: string | undefined): boolean | Promise<boolean> {
    if (kid === undefined) return false;
    if (this.kids.fresh(this.maxAgeMs)?.has(kid)) return true;
    return this.reread(kid);
  }

  private async reread(kid: string): Promise<boolean> {
    if ((await this.kids.get(this.maxAgeMs, this.staleMs, 'JWKS')).has(kid)) return true;
    // The SDK may have re-read the JWKS since (for a new kid): its set is never older than ours.
    const current = this.currentKids();
    if (current.has(kid)) this.kids.value = current;
    return current.has(kid);
  }

  private currentKids(): ReadonlySet<string> {
    return new Set((this.keySet.jwks()?.keys ?? []).map((key) => key.kid).filter((id): id is string => typeof id === 'string'));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// 3. Per-route checks and the Express glue
// ---------------------------------------------------------------------------------------------

/** Stytch's scope semantics (the SDK's performAuthorizationCheck): `action:resource`, and `action:*` covers every resource. */
export function hasScopes(granted: readonly string[], required: readonly string[]): boolean {
  return required.every((scope) => {
    const [action, resource] = splitScope(scope);
    return granted.some((held) => {
      const [heldAction, heldResource] = splitScope(held);
      return heldAction === action && (heldResource === '*' || heldResource === resource);
    });
  });
}

function splitScope(scope: string): [string, string] {
  const colon = scope.indexOf(':');
  if (colon === -1) return [scope, '-'];
  // As the SDK: only the part up to a second colon counts as the resource.
  return [scope.slice(0, colon), scope.slice(colon + 1).split(':')[0] ?? ''];
}

/** The middleware, with a read-only view of its verified-token cache (for metrics); `cache` is undefined when disabled. */
export type AuthorizeTokenMiddleware = RequestHandler & {
  readonly cache: { readonly size: number; readonly maxEntries: number } | undefined;
};

/**
 * Guards a route: the request needs a valid M2M token carrying every one of `requiredScopes`
 * (an empty list accepts any valid token). Throws at start-up for a scope that is not a valid scope-token.
 */
export function authorizeToken(requiredScopes: string | string[], options: AuthorizeTokenOptions = {}): AuthorizeTokenMiddleware {
  const required = typeof requiredScopes === 'string' ? [requiredScopes] : [...requiredScopes];
  if (required.some((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) {
    // RFC 6749 §3.3 scope-token characters; anything else could not be put in a challenge header.
    throw new TypeError(`authorizeToken: invalid scope in ${JSON.stringify(required)}`);
  }
  validateOptions(options);
  const { maxTokenAgeSeconds, clockToleranceSeconds, logger, realm = 'api' } = options;
  const maxLifetime = options.maxTokenLifetimeSeconds ?? DEFAULTS.maxTokenLifetimeSeconds;
  const verifier = verifierFor(options);

  const middleware = async function authorizeTokenMiddleware(req: Request, res: Response, next: NextFunction) {
    try {
      const token = extractBearerToken(req);
      if (token === undefined)
        throw missingToken(`This route needs an access token with scope ${required.join(' ')}: send Authorization: Bearer <token>`);
      const verified = await verifier().verify(token, clockToleranceSeconds);
      const clientId = verified.identity.client_id;
      if (verified.expiresAt - verified.issuedAt > maxLifetime) {
        throw invalidToken(`The token is valid for longer than ${maxLifetime} seconds (exp - iat)`, 'lifetime too long', clientId);
      }
      // The SDK's rule: too old once now - iat >= max age (so 0 refuses every token).
      if (maxTokenAgeSeconds !== undefined && Date.now() / 1000 - verified.issuedAt >= maxTokenAgeSeconds) {
        throw invalidToken(`The token was issued more than ${maxTokenAgeSeconds} seconds ago; get a new one`, 'token too old', clientId);
      }
      if (!hasScopes(verified.identity.scopes, required)) {
        const missing = required.filter((scope) => !hasScopes(verified.identity.scopes, [scope]));
        throw new AuthorizationError(
          403,
          'insufficient_scope',
          'insufficient_scope',
          `The token lacks the scope ${missing.join(' ')} that this route requires`,
          `missing scopes ${missing.join(' ')} (token has ${verified.identity.scopes.join(' ') || 'none'})`,
          { scope: required.join(' '), clientId },
        );
      }
      req.m2m = verified.identity;
    } catch (err) {
      if (!(err instanceof AuthorizationError)) {
        // Not a client's mistake (e.g. no Stytch credentials configured): the app's error handler answers.
        next(err);
        return;
      }
      const log = requestLogger(req) ?? logger;
      log?.[err.status === 503 ? 'warn' : 'info'](
        { status: err.status, reason: err.reason, client_id: err.details.clientId, path: req.path },
        'access token refused',
      );
      sendError(req, res, err, realm, options.resourceMetadataUrl);
      return;
    }
    next();
  };
  const cacheView = () => {
    if (options.cache === false) return undefined;
    let cache: VerifiedTokenCache | undefined;
    try {
      cache = verifier().cache;
    } catch {
      return undefined; // no client configured yet
    }
    return cache ? { size: cache.size, maxEntries: cache.maxEntries } : undefined;
  };
  return Object.defineProperty(middleware, 'cache', { get: cacheView, enumerable: true }) as AuthorizeTokenMiddleware;
}

function sendError(
  req: Request,
  res: Response,
  err: AuthorizationError,
  realm: string,
  metadata: AuthorizeTokenOptions['resourceMetadataUrl'],
): void {
  if (err.status === 503) {
    res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  } else {
    const params: [string, string][] = [['realm', realm]];
    if (err.bearerError) params.push(['error', err.bearerError], ['error_description', err.message]);
    if (err.details.scope) params.push(['scope', err.details.scope]);
    const metadataUrl = typeof metadata === 'function' ? metadata(req) : metadata;
    if (metadataUrl && err.status === 401) params.push(['resource_metadata', metadataUrl]);
    res.setHeader('WWW-Authenticate', `Bearer ${params.map(([name, value]) => `${name}="${quoted(value)}"`).join(', ')}`);
  }
  res.setHeader('Cache-Control', 'no-store');
  const id = (req as { id?: unknown }).id;
  const requestId = typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  res.status(err.status).json({ error: { code: err.code, message: err.message, ...(requestId ? { request_id: requestId } : {}) } });
}

/** pino-http's per-request logger (`req.log`), whose lines carry the request id; undefined without pino-http. */
function requestLogger(req: Request): AuthorizeTokenLogger | undefined {
  const log = (req as { log?: Partial<AuthorizeTokenLogger> }).log;
  return typeof log?.warn === 'function' && typeof log.info === 'function' ? (log as AuthorizeTokenLogger) : undefined;
}

/** RFC 6750 §3 allows neither double quotes nor backslashes (nor non-ASCII) in challenge values. */
const quoted = (value: string) => value.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '');

/** Options are checked where they are written: a typo fails at start-up, not at the first request. */
function validateOptions(options: AuthorizeTokenOptions): void {
  const seconds = (name: keyof AuthorizeTokenOptions, { positive = false, allowFalse = false } = {}) => {
    const value = options[name];
    if (value === undefined || (allowFalse && value === false)) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
      const expected = `${positive ? 'a positive' : 'a non-negative'} number of seconds${allowFalse ? ' or false' : ''}`;
      throw new TypeError(`authorizeToken: ${name} must be ${expected} (got ${String(value)})`);
    }
  };
  seconds('maxTokenAgeSeconds');
  seconds('clockToleranceSeconds');
  seconds('maxTokenLifetimeSeconds', { positive: true });
  seconds('clientStatusMaxAgeSeconds', { positive: true });
  seconds('clientStatusStaleSeconds');
  seconds('jwksMaxAgeSeconds', { positive: true, allowFalse: true });
  if (options.clientStatus !== undefined && typeof options.clientStatus !== 'boolean') {
    throw new TypeError(`authorizeToken: clientStatus must be true or false (got ${String(options.clientStatus)})`);
  }
  const { cache } = options;
  if (cache !== undefined && cache !== false && !(Number.isInteger(cache?.maxEntries) && cache.maxEntries > 0)) {
    throw new TypeError('authorizeToken: cache must be false or { maxEntries: a positive integer }');
  }
}

// One verifier (caches included) per client and settings, so every route guarded alike shares
// verified tokens and client statuses, and a token verified for one project can never pass for another.
const verifiers = new WeakMap<stytch.Client, Map<string, TokenVerifier>>();

function verifierFor(options: AuthorizeTokenOptions): () => TokenVerifier {
  let verifier: TokenVerifier | undefined;
  return () => {
    if (verifier) return verifier;
    const client = options.client ?? defaultClient();
    const maxEntries = options.cache === false ? undefined : (options.cache?.maxEntries ?? DEFAULT_CACHE_ENTRIES);
    const statusMaxAge =
      options.clientStatus === false ? undefined : (options.clientStatusMaxAgeSeconds ?? DEFAULTS.clientStatusMaxAgeSeconds);
    const stale = options.clientStatusStaleSeconds ?? DEFAULTS.clientStatusStaleSeconds;
    const jwksMaxAge = options.jwksMaxAgeSeconds === false ? undefined : (options.jwksMaxAgeSeconds ?? DEFAULTS.jwksMaxAgeSeconds);
    // Tokens verified with one clock tolerance must not pass on a route with a stricter one (nbf, iat).
    const key = [maxEntries, options.clockToleranceSeconds ?? 0, statusMaxAge, stale, jwksMaxAge].join('|');
    const shared = verifiers.get(client) ?? new Map<string, TokenVerifier>();
    verifiers.set(client, shared);
    verifier =
      shared.get(key) ??
      new TokenVerifier(client, maxEntries === undefined ? undefined : new VerifiedTokenCache(maxEntries), {
        keys: jwksMaxAge === undefined ? undefined : new PublishedKeys(PublishedKeys.of(client), jwksMaxAge * 1000, stale * 1000),
        clients:
          statusMaxAge === undefined
            ? undefined
            : new ClientStatusCache(client, statusMaxAge * 1000, stale * 1000, maxEntries ?? DEFAULT_CACHE_ENTRIES),
      });
    shared.set(key, verifier);
    return verifier;
  };
}

let sharedDefaultClient: stytch.Client | undefined;

/** Built on first use, so that a dotenv loaded after import is seen. */
function defaultClient(): stytch.Client {
  if (sharedDefaultClient) return sharedDefaultClient;
  const { STYTCH_PROJECT_ID: project_id, STYTCH_SECRET: secret, STYTCH_ENV: env } = process.env;
  if (!project_id || !secret) {
    throw new Error('authorizeToken: set STYTCH_PROJECT_ID and STYTCH_SECRET, or pass options.client');
  }
  const base = env === 'test' ? stytch.envs.test : env === 'live' ? stytch.envs.live : env || undefined;
  sharedDefaultClient = new stytch.Client({ project_id, secret, ...(base ? { env: base } : {}) });
  return sharedDefaultClient;
}
