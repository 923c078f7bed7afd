/**
 * authorizeToken: Express middleware that guards a route with a Stytch M2M access token.
 *
 *   app.post('/api/debit', authorizeToken('write:wallets'), (req, res) => { req.m2m?.client_id ... });
 *
 * This file is meant to be copied into your own Express app. It imports only `express` (types)
 * and `stytch`. It reads top to bottom in three layers, as Auth0's express-oauth2-jwt-bearer does:
 *   1. extraction     the `Authorization: Bearer <token>` header, nothing else
 *   2. verification   `client.m2m.authenticateToken` (local, against the project's cached JWKS),
 *                     behind a bounded cache of verified tokens; then, on every request, cached or
 *                     not, the revocation checks: the caller's client is still active
 *                     (`m2m.clients.get`, re-asked every `clientStatusMaxAgeSeconds`) and the
 *                     token's key is still published (the JWKS, re-read every `jwksMaxAgeSeconds`)
 *   3. express glue   scope and age checks per route, RFC 6750 answers, `req.m2m`
 *
 * Answers (RFC 6750 §3, RFC 9728 §5.1), with a JSON body `{ error: { code, message, request_id } }`:
 *   no credentials        401  WWW-Authenticate: Bearer realm="…"[, resource_metadata="…"]   code missing_token
 *   (or another scheme's)
 *   malformed header      400  WWW-Authenticate: Bearer …, error="invalid_request"
 *   bad / expired token   401  WWW-Authenticate: Bearer …, error="invalid_token"
 *   missing scope         403  WWW-Authenticate: Bearer …, error="insufficient_scope", scope="…"
 *   not for this resource 401  WWW-Authenticate: Bearer …, error="invalid_token"   (with the `resource` option)
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
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's request type is only extended through its global namespace
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

/**
 * What the middleware tells an `onEvent` observer (metrics): one `accepted` or `refused` per request
 * it answers, and one `cache` per lookup in the verified-token cache. No token, no client_id: only
 * values from a fixed set, safe as metric labels.
 */
export type AuthorizeTokenEvent =
  { type: 'accepted' } | { type: 'refused'; code: AuthorizationErrorCode } | { type: 'cache'; result: 'hit' | 'miss' };

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
   * `false` verifies every request. The cache is shared by every middleware built with the same
   * client and settings (so one verification serves every route), and scopes and age are still checked per route.
   */
  cache?: false | { maxEntries: number };
  /** The `realm` of WWW-Authenticate challenges. Default 'api'. */
  realm?: string;
  /**
   * Refuse tokens not issued for this resource server (RFC 8707 audience binding, which the MCP
   * authorization spec requires): its `aud` must name this URI, e.g. https://wallet.example.com, as
   * an authorization server that honours the `resource` parameter puts it there. Compared without a
   * trailing slash and with scheme and host case-insensitive. Omitted: the project id is the only audience checked.
   */
  resource?: string | ((req: Request) => string);
  /**
   * With `resource`: a custom claim that may name it instead of `aud` (a string or an array of
   * strings). Hosted Stytch ignores `resource` and always sets `aud` to the project id; its custom
   * claims template can copy a client's trusted_metadata into this claim, e.g.
   * `{"resources": "{{ client.trusted_metadata.resources }}"}` with `resourceClaim: 'resources'`.
   */
  resourceClaim?: string;
  /**
   * RFC 9728 metadata URL advertised in 401 and 403 challenges as `resource_metadata="…"`.
   * A function receives the request (e.g. to build it from the Host header); omitted: not advertised.
   */
  resourceMetadataUrl?: string | ((req: Request) => string);
  /**
   * Receives one line per refused request (reason and client_id when known, never the token).
   * pino-http's `req.log` is preferred when present (its lines carry the request id). Default: silent.
   */
  logger?: AuthorizeTokenLogger;
  /** Called synchronously with each event (e.g. to count them in prom-client); an observer that throws is ignored. */
  onEvent?: (event: AuthorizeTokenEvent) => void;
  /**
   * For tests: the clock (milliseconds since the epoch) of the cache's expiry, `maxTokenAgeSeconds`,
   * `iat` and the revocation windows. The SDK checks `exp` and `nbf` with the real clock. Default `Date.now`.
   */
  now?: () => number;
}

const DEFAULTS = {
  cacheEntries: 10_000,
  maxTokenLifetimeSeconds: 86_400,
  clientStatusMaxAgeSeconds: 30,
  clientStatusStaleSeconds: 300,
  jwksMaxAgeSeconds: 60,
  realm: 'api',
};
/** How long a caller should wait when the signing keys can't be fetched (jose re-fetches on the next request). */
const RETRY_AFTER_SECONDS = 5;
/** A status lookup or JWKS read that takes longer than this counts as failed (the SDK's own timeout is 10 minutes). */
const LOOKUP_TIMEOUT_MS = 3_000;
/** After a failed lookup, the next attempt waits this long: a down authorization server gets no storm. */
const LOOKUP_RETRY_MS = 2_000;

// ---------------------------------------------------------------------------------------------
// Errors: one class, shaped as our services' ServiceError (code, status, expose), self-contained.
// ---------------------------------------------------------------------------------------------

const STATUS_OF = {
  missing_token: 401,
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  temporarily_unavailable: 503,
} as const;

export type AuthorizationErrorCode = keyof typeof STATUS_OF;

/** Why a request was refused: `code` and `status` are the answer, `message` its text for the caller, `reason` the log's. */
export class AuthorizationError extends Error {
  readonly status: (typeof STATUS_OF)[AuthorizationErrorCode];
  /** The message is written for the caller: always sent; the details a caller must not see are in `reason`. */
  readonly expose = true;
  /** For the log line: why, in more detail than the caller is told. */
  readonly reason: string;
  readonly clientId: string | undefined;
  /** The scopes the route requires, for an insufficient_scope challenge. */
  readonly scope: string | undefined;

  constructor(
    readonly code: AuthorizationErrorCode,
    message: string,
    details: { reason?: string; clientId?: string | undefined; scope?: string } = {},
  ) {
    super(message);
    this.name = 'AuthorizationError';
    this.status = STATUS_OF[code];
    this.reason = details.reason ?? message;
    this.clientId = details.clientId;
    this.scope = details.scope;
  }

  /** The RFC 6750 error code of the challenge; undefined without credentials (§3.1) or for a 503 (no challenge). */
  get bearerError(): 'invalid_request' | 'invalid_token' | 'insufficient_scope' | undefined {
    return this.code === 'missing_token' || this.code === 'temporarily_unavailable' ? undefined : this.code;
  }
}

const invalidToken = (message: string, reason = message, clientId?: string) =>
  new AuthorizationError('invalid_token', message, { reason, clientId });

// ---------------------------------------------------------------------------------------------
// 1. Extraction
// ---------------------------------------------------------------------------------------------

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
// Credentials of another scheme (Basic, Digest, ...): RFC 6750 §3.1 treats them as no credentials for us.
const OTHER_SCHEME = /^(?!Bearer\b)[A-Za-z][\w!#$%&'*+.^`|~-]* +\S/i;

/** The token from `Authorization: Bearer <token>`; undefined when the request carries no credentials at all. */
export function extractBearerToken(req: Request): string | undefined {
  // RFC 6750 §2.2/§2.3 methods (form body, query string) leak tokens into logs and histories: refused.
  if (hasTokenOutsideHeader(req)) {
    throw new AuthorizationError(
      'invalid_request',
      'Send the access token in the Authorization header (Bearer), not in the query string or body',
    );
  }
  const header = req.headers.authorization?.trim();
  if (header === undefined || OTHER_SCHEME.test(header)) return undefined;
  const match = BEARER.exec(header);
  if (!match) throw new AuthorizationError('invalid_request', "The Authorization header must be 'Bearer <token>', with exactly one token");
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
  return Boolean(body && typeof body === 'object' && 'access_token' in body && req.is('application/x-www-form-urlencoded'));
}

// ---------------------------------------------------------------------------------------------
// 2. Verification: signature (cached), claims, then the revocation checks
// ---------------------------------------------------------------------------------------------

/** A token that passed signature, issuer, audience, typ, time and claim-type checks. */
interface VerifiedToken {
  identity: M2MIdentity;
  /** Seconds since the epoch; from the verified payload. */
  issuedAt: number;
  expiresAt: number;
  /** The signing key's id (header `kid`), checked against the published JWKS on every request. */
  kid: string | undefined;
  /** The `aud` claim as a list (the SDK has checked that it names the project). */
  audience: readonly string[];
}

/** What a verifier is built from; middleware with equal settings and the same client share one verifier. */
interface VerifierSettings {
  /** undefined: no cache of verified tokens. */
  cacheEntries: number | undefined;
  clockTolerance: number;
  /** undefined: no client-status check. */
  clientStatusMaxAgeMs: number | undefined;
  staleMs: number;
  /** undefined: no published-key check. */
  jwksMaxAgeMs: number | undefined;
  now: () => number;
}

/**
 * Verifies tokens for one client; with a cache, concurrent requests with the same new token share
 * one verification. Cached or not, every request then passes the revocation checks.
 */
class TokenVerifier {
  readonly cache: VerifiedTokenCache | undefined;
  private readonly inFlight = new Map<string, Promise<VerifiedToken>>();
  private readonly keys: PublishedKeys | undefined;
  private readonly clients: ClientStatusCache | undefined;

  constructor(
    private readonly client: stytch.Client,
    readonly settings: VerifierSettings,
  ) {
    const { cacheEntries, clientStatusMaxAgeMs, jwksMaxAgeMs, staleMs, now } = settings;
    this.cache = cacheEntries === undefined ? undefined : new VerifiedTokenCache(cacheEntries);
    this.keys = jwksMaxAgeMs === undefined ? undefined : new PublishedKeys(sdkKeySet(client), jwksMaxAgeMs, staleMs, now);
    this.clients =
      clientStatusMaxAgeMs === undefined
        ? undefined
        : new ClientStatusCache(client, clientStatusMaxAgeMs, staleMs, cacheEntries ?? DEFAULTS.cacheEntries, now);
  }

  /**
   * The steady state, with no promise: a cached token whose key and client are known good right
   * now (a cache hit, told to `onCache`). Anything else (a miss, a stale or failed check) is
   * undefined, and told nothing: `verify` decides it, and tells its own lookup.
   */
  verifyCached(token: string, onCache?: (result: 'hit' | 'miss') => void): VerifiedToken | undefined {
    const verified = this.cache?.get(token, this.settings.now() / 1000 - this.settings.clockTolerance);
    if (!verified) return undefined;
    if (this.keys && !this.keys.isFreshlyPublished(verified.kid)) return undefined;
    if (this.clients && !this.clients.isFreshlyActive(verified.identity.client_id)) return undefined;
    onCache?.('hit');
    return verified;
  }

  async verify(token: string, onCache?: (result: 'hit' | 'miss') => void): Promise<VerifiedToken> {
    const verified = await this.verifySignature(token, onCache);
    const clientId = verified.identity.client_id;
    // Fresh answers come back synchronously: the steady state adds two lookups per request, no await.
    const published = this.keys?.isPublished(verified.kid) ?? true;
    if (!(published instanceof Promise ? await published : published)) {
      this.cache?.delete(token);
      throw invalidToken(
        'The token is signed with a key this project no longer publishes',
        `signing key revoked (kid ${verified.kid ?? 'missing'})`,
        clientId,
      );
    }
    const known = this.clients?.statusOf(clientId) ?? 'active';
    const status = known instanceof Promise ? await known : known;
    if (status !== 'active') throw invalidToken(CLIENT_REVOKED_DESCRIPTION, `client revoked (${status})`, clientId);
    return verified;
  }

  private async verifySignature(token: string, onCache?: (result: 'hit' | 'miss') => void): Promise<VerifiedToken> {
    // Without a cache, every request is verified on its own (what `cache: false` promises).
    if (!this.cache) return this.verifyWithStytch(token);
    const cached = this.cache.get(token, this.settings.now() / 1000 - this.settings.clockTolerance);
    onCache?.(cached ? 'hit' : 'miss');
    if (cached) return cached;
    const pending = this.inFlight.get(token);
    if (pending) return pending;
    const verification = this.verifyWithStytch(token).finally(() => this.inFlight.delete(token));
    this.inFlight.set(token, verification);
    return verification;
  }

  private async verifyWithStytch(token: string): Promise<VerifiedToken> {
    // Before any RSA work: `token=`, `token==` or a changed last character decode to the same bytes.
    if (!isCanonicalJws(token)) throw invalidToken('The token is not a well-formed JWT', 'not three canonical base64url segments');
    const { clockTolerance, now } = this.settings;
    let identity: M2MIdentity;
    try {
      // No required_scopes and no max age here: those are per route (layer 3), so one cached verification serves every route.
      const result = await this.client.m2m.authenticateToken({ access_token: token, clock_tolerance_seconds: clockTolerance });
      // Frozen, because one cached identity is handed to every request that carries the token.
      identity = deepFreeze({ client_id: result.client_id, scopes: result.scopes.filter(Boolean), custom_claims: result.custom_claims });
    } catch (err) {
      throw classifyVerificationError(err);
    }
    // The signature has been checked, so the payload can be trusted to be what the issuer signed,
    // but not to have the types an M2M access token has: jose checks little beyond exp/nbf/iat being numbers.
    const payload = decodePart(token, 1);
    const { issuedAt, expiresAt } = checkClaims(payload, now() / 1000 + clockTolerance);
    const kid = decodePart(token, 0).kid;
    const audience = Object.freeze(stringList(payload.aud));
    const verified = { identity, issuedAt, expiresAt, kid: typeof kid === 'string' ? kid : undefined, audience };
    this.cache?.set(token, verified);
    return verified;
  }
}

/**
 * A bounded cache with SIEVE eviction (Zhang et al., NSDI 2024) behind a doorkeeper. A hit only
 * marks its entry visited (no reordering: a hit costs one Map lookup); to make room, a hand walks
 * from the oldest entry towards the newest, clearing marks, and evicts the first unmarked entry.
 * While the cache is full, a token gets in only on its second miss (the doorkeeper remembers the
 * first): a flood of one-time tokens passes by without evicting anything, and a cycle through a
 * few more tokens than the bound keeps hitting on the ones inside, where an LRU would always miss.
 * The key is the exact token string, and only canonical tokens get in (see isCanonicalJws): a
 * token has one key, so rewritten variants of it can neither share an entry nor flush the cache.
 */
class VerifiedTokenCache {
  private readonly entries = new Map<string, SieveNode>();
  /** The newest entry; each node's `older` leads towards the oldest. */
  private newest: SieveNode | undefined;
  private oldest: SieveNode | undefined;
  /** Where the next eviction's walk resumes; undefined: at the oldest entry. */
  private hand: SieveNode | undefined;
  /**
   * Tokens refused once while the cache was full, oldest first, at most maxEntries. Known by the
   * tail of their signature: short, and a collision only lets a verified token in early.
   */
  private readonly doorkeeper = new Set<string>();
  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** `earliestSeconds` is now minus the clock tolerance: jose's rule, expired once that is >= exp. */
  get(token: string, earliestSeconds: number): VerifiedToken | undefined {
    const node = this.entries.get(token);
    if (!node) return undefined;
    if (earliestSeconds >= node.value.expiresAt) {
      this.remove(node);
      return undefined;
    }
    node.visited = true;
    return node.value;
  }

  set(token: string, value: VerifiedToken): void {
    const existing = this.entries.get(token);
    if (existing) {
      existing.value = value;
      return;
    }
    if (this.entries.size >= this.maxEntries) {
      if (!this.admitted(token)) return;
      this.evictOne();
    }
    const node: SieveNode = { token, value, visited: false, older: this.newest, newer: undefined };
    if (this.newest) this.newest.newer = node;
    this.newest = node;
    this.oldest ??= node;
    this.entries.set(token, node);
  }

  delete(token: string): void {
    const node = this.entries.get(token);
    if (node) this.remove(node);
  }

  /** A token's second miss while the cache is full lets it in; its first is only remembered. */
  private admitted(token: string): boolean {
    const mark = token.slice(-DOORKEEPER_MARK_LENGTH);
    if (this.doorkeeper.delete(mark)) return true;
    this.doorkeeper.add(mark);
    if (this.doorkeeper.size > this.maxEntries) {
      for (const oldest of this.doorkeeper) {
        this.doorkeeper.delete(oldest);
        break;
      }
    }
    return false;
  }

  private evictOne(): void {
    let node = this.hand ?? this.oldest;
    // Ends within one lap: the walk clears every mark it passes.
    while (node?.visited) {
      node.visited = false;
      node = node.newer ?? this.oldest;
    }
    if (!node) return;
    this.hand = node;
    this.remove(node); // moves the hand on to the next newer entry
  }

  private remove(node: SieveNode): void {
    if (this.hand === node) this.hand = node.newer;
    if (node.older) node.older.newer = node.newer;
    else this.oldest = node.newer;
    if (node.newer) node.newer.older = node.older;
    else this.newest = node.older;
    this.entries.delete(node.token);
  }
}

/**
 * 12 base64url characters of the signature: 72 bits. Under 13, V8 copies a substring instead of
 * pointing into the whole token, so the doorkeeper does not keep refused tokens alive.
 */
const DOORKEEPER_MARK_LENGTH = 12;

interface SieveNode {
  readonly token: string;
  value: VerifiedToken;
  /** Hit since the hand last passed: spared by the next eviction. */
  visited: boolean;
  older: SieveNode | undefined;
  newer: SieveNode | undefined;
}

function evictOldest(entries: Map<string, unknown>, maxEntries: number): void {
  for (const key of entries.keys()) {
    if (entries.size <= maxEntries) return;
    entries.delete(key);
  }
}

/** Each segment is base64url without padding, in its one canonical spelling (RFC 7515 §2, RFC 4648 §3.5). */
function isCanonicalJws(token: string): boolean {
  const segments = token.split('.');
  return segments.length === 3 && segments.every((segment) => Buffer.from(segment, 'base64url').toString('base64url') === segment);
}

/**
 * The claims of an M2M access token, with their types: a string `sub` (the client), numeric
 * finite `iat` and `exp`, `iat` not after `latestIssueSeconds` (now plus the clock tolerance).
 * Other Stytch products sign with the same keys for the same audience and issuer; their tokens
 * carry claims an M2M token never has: a Connected Apps access token names its app in
 * `client_id` (its `sub` is a user or member), a session JWT has the `https://stytch.com/session`
 * claim. (A `sub` prefix is no test: clients may be created with their own client_id.)
 */
function checkClaims(claims: Record<string, unknown>, latestIssueSeconds: number): { issuedAt: number; expiresAt: number } {
  const { sub, iat, exp } = claims;
  if (sub === undefined || sub === '') throw invalidToken('The token names no client (sub claim missing)');
  if (typeof sub !== 'string') throw invalidToken('The token has an invalid sub claim (not a string)');
  if ('client_id' in claims) {
    throw invalidToken('The token is not an M2M access token', 'client_id claim present (a Connected Apps access token)', sub);
  }
  if ('https://stytch.com/session' in claims) {
    throw invalidToken('The token is not an M2M access token', 'session claim present (a session JWT)', sub);
  }
  if (exp === undefined) throw invalidToken('The token never expires (exp claim missing)', 'exp claim missing', sub);
  if (!isFiniteNumber(exp)) throw invalidToken('The token has an invalid exp claim (not a finite number)', 'exp not a finite number', sub);
  if (!isFiniteNumber(iat)) {
    throw invalidToken('The token has no valid issue time (iat claim missing or not a finite number)', 'iat invalid', sub);
  }
  if (iat > latestIssueSeconds) throw invalidToken('The token was issued in the future (iat)', 'iat in the future', sub);
  return { issuedAt: iat, expiresAt: exp };
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** A claim that is one string or an array of them (as `aud` may be, RFC 7519 §4.1.3), as a list; anything else is none. */
function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** One spelling per resource URI: WHATWG URL lower-cases scheme and host; one trailing slash is dropped (MCP's canonical form). */
function canonicalResource(uri: string): string {
  let spelled = uri;
  try {
    spelled = new URL(uri).href;
  } catch {
    // Not a URL (a urn:, say): compared as written.
  }
  return spelled.endsWith('/') ? spelled.slice(0, -1) : spelled;
}

/** Whether the token names `resource` in `aud`, or in the custom claim `claim` when one is configured. */
function isBoundTo(verified: VerifiedToken, resource: string, claim: string | undefined): boolean {
  const wanted = canonicalResource(resource);
  const named = [...verified.audience, ...(claim === undefined ? [] : stringList(verified.identity.custom_claims[claim]))];
  return named.some((uri) => canonicalResource(uri) === wanted);
}

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

/**
 * jose's codes for a fault of the token itself, with what the caller is told. The SDK wraps them
 * in a ClientError `jwt_invalid` (its `cause`); any other cause is a failure to fetch the keys, so
 * an unforeseen fetch failure (an expired certificate on a proxy, say) is a 503 to retry, not a bad token.
 */
const TOKEN_FAULTS: Readonly<Record<string, string>> = {
  ERR_JWT_EXPIRED: 'The token has expired; get a new one',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'The token has an invalid claim',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'The token signature does not verify',
  ERR_JWKS_NO_MATCHING_KEY: 'The token is signed with a key this project does not publish',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'The token is signed with a key this project does not publish',
  ERR_JOSE_ALG_NOT_ALLOWED: 'The token is signed with an algorithm that is not accepted',
  ERR_JOSE_NOT_SUPPORTED: 'The token is signed with an algorithm that is not accepted',
  ERR_JWS_INVALID: 'The token is not a well-formed JWT',
  ERR_JWT_INVALID: 'The token is not a well-formed JWT',
};
const CLAIM_FAULTS: Readonly<Record<string, string>> = {
  nbf: 'The token is not valid yet (nbf)',
  aud: 'The token was issued for another audience (aud is not this project)',
  iss: 'The token was issued by another issuer (iss)',
  typ: 'The token is not a JWT access token (typ)',
};

/**
 * What a failed `authenticateToken` means: an AuthorizationError (401 for a bad token, 503 when the
 * keys are unavailable), or the error itself when it is nobody's token fault (the app's 500).
 */
export function classifyVerificationError(err: unknown): unknown {
  if (err instanceof TypeError) {
    // The SDK reads claims it has not type-checked (`scope.split` on a token without a string scope):
    // the signature was valid, but this is not an M2M access token.
    return invalidToken('The token is not an M2M access token (its scope claim is missing or malformed)', `SDK error: ${describe(err)}`);
  }
  if (!(err instanceof stytch.ClientError)) return err;
  if (err.code !== 'jwt_invalid') return invalidToken('The token could not be verified', `SDK refused the token: ${err.code}`);
  const cause = err.cause as { code?: unknown; claim?: unknown } | null | undefined;
  if (cause === undefined || cause === null) {
    return invalidToken('The token could not be verified', `The token could not be verified (${err.message})`);
  }
  const joseCode = typeof cause.code === 'string' ? cause.code : '';
  const fault = TOKEN_FAULTS[joseCode];
  if (fault === undefined) {
    return new AuthorizationError(
      'temporarily_unavailable',
      'The token could not be verified because the signing keys are unavailable; retry later',
      {
        reason: `JWKS fetch failed: ${describe(cause)}`,
      },
    );
  }
  const claim = typeof cause.claim === 'string' ? cause.claim : undefined;
  const message =
    joseCode === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim ? (CLAIM_FAULTS[claim] ?? `The token has an invalid ${claim} claim`) : fault;
  return invalidToken(message, `${message} (${describe(cause)})`);
}

/** An error's code and message for a log line; never a token (jose's messages name claims, not values). */
function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return typeof cause === 'string' ? cause : 'unknown error';
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
}

// A JWT stays valid until it expires, and Stytch does not invalidate the tokens of a deleted
// client. So every request, even one served from the verified-token cache, asks two caches that
// are refreshed on a short period; while the authorization server can't answer, the last known
// answer is trusted for `staleMs` more, then requests get 503: never fail open forever.

type ClientStatus = 'active' | 'inactive' | 'deleted';

/** The error_description of a revoked client's 401: a caller can tell that a fresh token won't help. */
export const CLIENT_REVOKED_DESCRIPTION = 'The client this token was issued to is deactivated or deleted';

/** Shared by the two revocation caches: a value, when it was learnt, and one lookup at a time that backs off after failing. */
class Refreshed<T> {
  value: T | undefined;
  private learntAt = -Infinity;
  private failedAt = -Infinity;
  private failure = '';
  private pending: Promise<void> | undefined;

  constructor(
    private readonly lookup: () => Promise<T>,
    private readonly now: () => number,
  ) {}

  /** The value if learnt less than `maxAgeMs` ago. */
  fresh(maxAgeMs: number): T | undefined {
    return this.now() - this.learntAt < maxAgeMs ? this.value : undefined;
  }

  /** The value, looked up again once older than `maxAgeMs`; a failed lookup leaves the last value usable `staleMs` longer. */
  async get(maxAgeMs: number, staleMs: number, what: string, clientId?: string): Promise<T> {
    const fresh = this.fresh(maxAgeMs);
    if (fresh !== undefined) return fresh;
    if (this.now() - this.failedAt >= LOOKUP_RETRY_MS) this.pending ??= this.refresh();
    if (this.pending) await this.pending;
    if (this.value !== undefined && this.now() - this.learntAt < maxAgeMs + staleMs) return this.value;
    throw new AuthorizationError(
      'temporarily_unavailable',
      `The token could not be checked because the ${what} is unavailable; retry later`,
      {
        reason: `${what} lookup failed: ${this.failure}`,
        clientId,
      },
    );
  }

  private async refresh(): Promise<void> {
    try {
      this.value = await withTimeout(this.lookup(), LOOKUP_TIMEOUT_MS);
      this.learntAt = this.now();
      this.failedAt = -Infinity;
    } catch (err) {
      this.failedAt = this.now();
      this.failure = describe(err);
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
    private readonly now: () => number,
  ) {}

  /** True only while the client's last known status is fresh and active; starts no lookup. */
  isFreshlyActive(clientId: string): boolean {
    return this.entries.get(clientId)?.fresh(this.maxAgeMs) === 'active';
  }

  /** The status, synchronously while fresh; otherwise a promise of it (a lookup, or 503 once too stale). */
  statusOf(clientId: string): ClientStatus | Promise<ClientStatus> {
    let entry = this.entries.get(clientId);
    const fresh = entry?.fresh(this.maxAgeMs);
    if (fresh !== undefined) return fresh;
    if (entry) this.entries.delete(clientId);
    entry ??= new Refreshed(() => this.lookup(clientId), this.now);
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

function sdkKeySet(client: stytch.Client): SdkKeySet {
  const keySet = (client.m2m as unknown as { jwksClient?: Partial<SdkKeySet> }).jwksClient;
  if (typeof keySet?.reload !== 'function' || typeof keySet.jwks !== 'function') {
    // A future SDK may keep its keys elsewhere: refuse to run without the check rather than skip it.
    throw new Error('authorizeToken: this stytch SDK does not expose its JWKS key set; pin stytch 14, or set jwksMaxAgeSeconds: false');
  }
  return keySet as SdkKeySet;
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
    now: () => number,
  ) {
    this.kids = new Refreshed(async () => {
      await this.keySet.reload();
      return this.currentKids();
    }, now);
  }

  /** True only for a kid of a JWKS read less than `maxAgeMs` ago; starts no re-read. */
  isFreshlyPublished(kid: string | undefined): boolean {
    return kid !== undefined && this.kids.fresh(this.maxAgeMs)?.has(kid) === true;
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
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${String(ms)} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

/**
 * One verifier (caches included) per client and settings, so every route guarded alike shares
 * verified tokens and client statuses, and a token verified for one project can never pass for
 * another. Tokens verified with one clock tolerance must not pass on a route with a stricter one.
 */
const verifiersByClient = new WeakMap<stytch.Client, TokenVerifier[]>();

function sharedVerifier(client: stytch.Client, settings: VerifierSettings): TokenVerifier {
  const verifiers = verifiersByClient.get(client) ?? [];
  verifiersByClient.set(client, verifiers);
  const same = (other: VerifierSettings) =>
    (Object.keys(settings) as (keyof VerifierSettings)[]).every((key) => other[key] === settings[key]);
  let verifier = verifiers.find((candidate) => same(candidate.settings));
  if (!verifier) {
    verifier = new TokenVerifier(client, settings);
    verifiers.push(verifier);
  }
  return verifier;
}

// ---------------------------------------------------------------------------------------------
// 3. Express glue: options, per-route checks, the answer
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
 * (an empty list accepts any valid token). Throws a TypeError at start-up for a scope that is not
 * a valid scope-token, and for an option of the wrong type or out of range.
 */
export function authorizeToken(requiredScopes: string | string[], options: AuthorizeTokenOptions = {}): AuthorizeTokenMiddleware {
  const required = typeof requiredScopes === 'string' ? [requiredScopes] : [...requiredScopes];
  if (required.some((scope) => typeof scope !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) {
    // RFC 6749 §3.3 scope-token characters; anything else could not be put in a challenge header.
    throw new TypeError(`authorizeToken: invalid scope in ${JSON.stringify(required)}`);
  }
  validateOptions(options);
  const { maxTokenAgeSeconds, logger, realm = DEFAULTS.realm, resource, resourceClaim, resourceMetadataUrl, onEvent } = options;
  const emit = (event: AuthorizeTokenEvent) => {
    try {
      onEvent?.(event);
    } catch {
      // An observer's bug must not change who gets in.
    }
  };
  const onCache = (result: 'hit' | 'miss') => {
    emit({ type: 'cache', result });
  };
  const maxLifetime = options.maxTokenLifetimeSeconds ?? DEFAULTS.maxTokenLifetimeSeconds;
  const settings = verifierSettings(options);
  let verifier: TokenVerifier | undefined;
  // Built on the first request, so that the default client sees a dotenv loaded after start-up.
  const getVerifier = () => (verifier ??= sharedVerifier(options.client ?? defaultClient(), settings));

  const checkRoute = (verified: VerifiedToken, req: Request): void => {
    const { client_id: clientId, scopes } = verified.identity;
    // First: a token for another resource server is no token here, whatever its scopes (so a 401, not a 403).
    const thisResource = typeof resource === 'function' ? resource(req) : resource;
    if (thisResource !== undefined && !isBoundTo(verified, thisResource, resourceClaim)) {
      throw invalidToken(
        `The token was not issued for this resource (${thisResource}): request it with resource=${thisResource}`,
        `audience mismatch: aud ${verified.audience.join(' ')}${resourceClaim ? `, ${resourceClaim} claim ${stringList(verified.identity.custom_claims[resourceClaim]).join(' ') || 'absent'}` : ''}`,
        clientId,
      );
    }
    if (verified.expiresAt - verified.issuedAt > maxLifetime) {
      throw invalidToken(`The token is valid for longer than ${String(maxLifetime)} seconds (exp - iat)`, 'lifetime too long', clientId);
    }
    // The SDK's rule: too old once now - iat >= max age (so 0 refuses every token).
    if (maxTokenAgeSeconds !== undefined && settings.now() / 1000 - verified.issuedAt >= maxTokenAgeSeconds) {
      throw invalidToken(
        `The token was issued more than ${String(maxTokenAgeSeconds)} seconds ago; get a new one`,
        'token too old',
        clientId,
      );
    }
    // Most tokens hold the route's scopes verbatim: that test allocates nothing, unlike hasScopes.
    if (required.every((scope) => scopes.includes(scope))) return;
    const missing = required.filter((scope) => !hasScopes(scopes, [scope]));
    if (missing.length > 0) {
      throw new AuthorizationError('insufficient_scope', `The token lacks the scope ${missing.join(' ')} that this route requires`, {
        reason: `missing scopes ${missing.join(' ')} (token has ${scopes.join(' ') || 'none'})`,
        scope: required.join(' '),
        clientId,
      });
    }
  };

  const middleware = async function authorizeTokenMiddleware(req: Request, res: Response, next: NextFunction) {
    try {
      const token = extractBearerToken(req);
      if (token === undefined) {
        throw new AuthorizationError(
          'missing_token',
          `This route needs an access token${required.length ? ` with scope ${required.join(' ')}` : ''}: send Authorization: Bearer <token>`,
        );
      }
      const tokens = getVerifier();
      const verified = tokens.verifyCached(token, onCache) ?? (await tokens.verify(token, onCache));
      checkRoute(verified, req);
      req.m2m = verified.identity;
      emit({ type: 'accepted' });
    } catch (err) {
      if (!(err instanceof AuthorizationError)) {
        // Not a client's mistake (e.g. no Stytch credentials configured): the app's error handler answers.
        next(err);
        return;
      }
      const log = requestLogger(req) ?? logger;
      log?.[err.status === 503 ? 'warn' : 'info'](
        { status: err.status, reason: err.reason, client_id: err.clientId, path: req.path },
        'access token refused',
      );
      emit({ type: 'refused', code: err.code });
      sendError(req, res, err, realm, resourceMetadataUrl);
      return;
    }
    next();
  };
  const cacheView = () => {
    if (settings.cacheEntries === undefined) return undefined;
    try {
      const { cache } = getVerifier();
      return cache && { size: cache.size, maxEntries: cache.maxEntries };
    } catch {
      return undefined; // no client configured yet
    }
  };
  return Object.defineProperty(middleware, 'cache', { get: cacheView, enumerable: true }) as AuthorizeTokenMiddleware;
}

function verifierSettings(options: AuthorizeTokenOptions): VerifierSettings {
  const stale = options.clientStatusStaleSeconds ?? DEFAULTS.clientStatusStaleSeconds;
  const statusMaxAge = options.clientStatusMaxAgeSeconds ?? DEFAULTS.clientStatusMaxAgeSeconds;
  const jwksMaxAge = options.jwksMaxAgeSeconds ?? DEFAULTS.jwksMaxAgeSeconds;
  return {
    cacheEntries: options.cache === false ? undefined : (options.cache?.maxEntries ?? DEFAULTS.cacheEntries),
    clockTolerance: options.clockToleranceSeconds ?? 0,
    clientStatusMaxAgeMs: options.clientStatus === false ? undefined : statusMaxAge * 1000,
    staleMs: stale * 1000,
    jwksMaxAgeMs: jwksMaxAge === false ? undefined : jwksMaxAge * 1000,
    now: options.now ?? Date.now,
  };
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
    if (err.scope) params.push(['scope', err.scope]);
    const metadataUrl = typeof metadata === 'function' ? metadata(req) : metadata;
    // RFC 9728 §5.1; the MCP authorization spec asks for it on a 403 too, so a client can re-discover scopes.
    if (metadataUrl && (err.status === 401 || err.status === 403)) params.push(['resource_metadata', metadataUrl]);
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

/** Every option's name: the `satisfies` makes a new option fail to compile until it is listed here. */
const OPTION_NAMES = new Set(
  Object.keys({
    client: true,
    maxTokenAgeSeconds: true,
    clockToleranceSeconds: true,
    maxTokenLifetimeSeconds: true,
    clientStatus: true,
    clientStatusMaxAgeSeconds: true,
    clientStatusStaleSeconds: true,
    jwksMaxAgeSeconds: true,
    cache: true,
    realm: true,
    resource: true,
    resourceClaim: true,
    resourceMetadataUrl: true,
    logger: true,
    onEvent: true,
    now: true,
  } satisfies Record<keyof AuthorizeTokenOptions, true>),
);

/** Options are checked where they are written, as jose's validateDuration does: a typo fails at start-up, not at the first request. */
function validateOptions(options: AuthorizeTokenOptions): void {
  const fail = (name: string, expected: string, value: unknown): never => {
    throw new TypeError(`authorizeToken: ${name} must be ${expected} (got ${shown(value)})`);
  };
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new TypeError(`authorizeToken: unknown option ${name}`);
  }
  const seconds = (name: keyof AuthorizeTokenOptions, { positive = false, allowFalse = false } = {}) => {
    const value = options[name];
    if (value === undefined || (allowFalse && value === false)) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
      fail(name, `${positive ? 'a positive' : 'a non-negative'} number of seconds${allowFalse ? ' or false' : ''}`, value);
    }
  };
  seconds('maxTokenAgeSeconds');
  seconds('clockToleranceSeconds');
  seconds('maxTokenLifetimeSeconds', { positive: true });
  seconds('clientStatusMaxAgeSeconds', { positive: true });
  seconds('clientStatusStaleSeconds');
  seconds('jwksMaxAgeSeconds', { positive: true, allowFalse: true });
  const { client, clientStatus, cache, realm, resourceMetadataUrl, logger, onEvent, now } = options;
  if (clientStatus !== undefined && typeof clientStatus !== 'boolean') fail('clientStatus', 'true or false', clientStatus);
  if (cache !== undefined && cache !== false) {
    if (typeof cache !== 'object' || (cache as object | null) === null) fail('cache', 'false or { maxEntries }', cache);
    if (!Number.isSafeInteger(cache.maxEntries) || cache.maxEntries < 1) fail('cache.maxEntries', 'a positive integer', cache.maxEntries);
  }
  if (client !== undefined && typeof (client as Partial<stytch.Client> | null)?.m2m !== 'object') fail('client', 'a stytch.Client', client);
  if (realm !== undefined && typeof realm !== 'string') fail('realm', 'a string', realm);
  const { resource, resourceClaim } = options;
  if (resource !== undefined && typeof resource !== 'function' && !(typeof resource === 'string' && isAbsoluteUri(resource))) {
    fail('resource', 'an absolute URI without a fragment, or (req) => string', resource);
  }
  if (resourceClaim !== undefined && (typeof resourceClaim !== 'string' || resourceClaim === '')) {
    fail('resourceClaim', 'a claim name', resourceClaim);
  }
  if (resourceClaim !== undefined && resource === undefined) fail('resourceClaim', 'set together with resource', resourceClaim);
  if (resourceMetadataUrl !== undefined && typeof resourceMetadataUrl !== 'string' && typeof resourceMetadataUrl !== 'function') {
    fail('resourceMetadataUrl', 'a string or (req) => string', resourceMetadataUrl);
  }
  if (
    logger !== undefined &&
    (typeof (logger as Partial<AuthorizeTokenLogger> | null)?.warn !== 'function' || typeof logger.info !== 'function')
  ) {
    fail('logger', 'an object with warn and info methods', logger);
  }
  if (onEvent !== undefined && typeof onEvent !== 'function') fail('onEvent', 'a function', onEvent);
  if (now !== undefined && typeof now !== 'function') fail('now', 'a function returning milliseconds', now);
}

const isAbsoluteUri = (value: string) => URL.canParse(value) && !value.includes('#');

/** A rejected option's value, for its TypeError: never an object's contents (a client holds the project secret). */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
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
