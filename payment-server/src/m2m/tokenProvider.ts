import NodeCache from 'node-cache';
import { fullJitterDelayMs, sleep, withTimeout } from './backoff.js';
import { oauthTokenEndpoint } from './oauthTokenEndpoint.js';
import { classifyTokenFailure, TokenUnavailableError, type TokenFailure } from './tokenErrors.js';
import {
  assertCredentials,
  assertOptions,
  resolveTuning,
  type ClientCredentials,
  type RefreshMargins,
  type TokenEndpoint,
  type TokenProviderLogger,
  type TokenProviderOptions,
  type TokenProviderTuning,
} from './tokenProviderOptions.js';

export type { OAuthServer } from './oauthTokenEndpoint.js';
export type {
  ClientCredentials,
  TokenEndpoint,
  TokenSource,
  TokenProviderLogger,
  TokenProviderOptions,
  TokenProviderTuning,
} from './tokenProviderOptions.js';

export interface TokenProviderStats {
  /** Token requests sent to the auth server (each retry counts). */
  tokenRequests: number;
  failedTokenRequests: number;
  /** `getToken` calls answered from the cache. */
  cacheHits: number;
  /** Refreshes started ahead of expiry while the cached token kept serving. */
  refreshesAhead: number;
  cachedTokens: number;
}

/** When a token expires, when its refresh starts, and until when it is handed out; all epoch milliseconds. */
export interface TokenTimes {
  expiresAt: number;
  refreshAt: number;
  usableUntil: number;
}

interface CachedToken extends TokenTimes {
  accessToken: string;
  /** After a failed background refresh, the next one waits until then. */
  nextRefreshAttemptAt: number;
}

const silentLogger: TokenProviderLogger = { debug: () => {}, warn: () => {} };

/**
 * Gets, caches and refreshes Stytch M2M access tokens (OAuth 2.0 client credentials) for one client.
 *
 * - One cached token per (client_id, scope set): `['write:wallets','read:users']` and
 *   `['read:users','write:wallets']` share a token; each caller asks only for the scopes it needs.
 * - Refresh ahead of expiry: from `refreshAt` on, a call still gets the cached token at once and
 *   starts ONE background refresh. A token is never handed out once less than `minRemainingSeconds`
 *   of its life is left, so a request can't carry a token that expires on the way.
 * - Single-flight: concurrent callers on a cold (or unusable) cache share one token request per key.
 * - Retries with exponential backoff and full jitter, for failures that can heal (network, timeout,
 *   5xx). A rejected client (invalid_client) fails at once: retrying can't fix a wrong secret.
 * - A 429 (rate limited) is not retried: the whole provider backs off for the time the auth server
 *   asked (or `rateLimitBackoffSeconds`). Meanwhile every caller gets a cached token that is still
 *   usable, or fails at once with `auth_server_rate_limited`: the load sent does not grow with traffic.
 * - While the auth server is down, a cached token that is still usable keeps serving.
 * - `setCredentials` switches the secret (rotation) without dropping tokens already issued;
 *   `invalidate` drops a token a resource server refused (401 invalid_token), once.
 *
 * Tokens come from a Stytch project (`stytch`: the SDK's `m2m.token`) or from any OAuth 2.0
 * authorization server (`oauth`: an issuer URL, found by RFC 8414 discovery, or a token endpoint URL),
 * with the same behaviour either way.
 *
 * Copy this folder (`m2m/`) into another service as it is: it needs only `node-cache` and `stytch`.
 */
export class TokenProvider {
  private readonly endpoint: TokenEndpoint;
  private readonly tuning: Required<TokenProviderTuning>;
  private readonly logger: TokenProviderLogger;
  private readonly cache: NodeCache;
  private readonly inFlight = new Map<string, Promise<CachedToken>>();
  private credentials: ClientCredentials;
  private readonly now: () => number;
  private closed = false;
  /** While now < this, the auth server asked us to wait (a 429): no token request is sent. */
  private backoffUntil = 0;
  private readonly counters = { tokenRequests: 0, failedTokenRequests: 0, cacheHits: 0, refreshesAhead: 0 };

  constructor(options: TokenProviderOptions) {
    assertOptions(options);
    this.credentials = { ...options.credentials };
    this.logger = options.logger ?? silentLogger;
    this.tuning = resolveTuning(options);
    this.endpoint = options.oauth ? oauthTokenEndpoint(options.oauth, this.tuning.requestTimeoutMs) : options.stytch;
    this.now = options.now ?? Date.now;
    // Made once the options passed their checks (its timer would outlive a refused construction).
    // useClones: false, since entries are ours and copying them on every hit would cost for nothing.
    this.cache = new NodeCache({ useClones: false, checkperiod: 120 });
  }

  get clientId(): string {
    return this.credentials.clientId;
  }

  /**
   * A bearer token carrying exactly `scopes` (an empty list asks for all of the client's scopes).
   * Throws TokenUnavailableError when none can be had.
   */
  async getToken(scopes: readonly string[]): Promise<string> {
    if (this.closed) throw new Error('TokenProvider is closed');
    const scopeSet = normalizeScopes(scopes);
    const key = this.keyFor(scopeSet);
    const cached = this.cache.get<CachedToken>(key);
    const now = this.now();
    if (cached && now < cached.usableUntil) {
      this.counters.cacheHits++;
      if (now >= cached.refreshAt) this.refreshAhead(key, scopeSet, cached, now);
      return cached.accessToken;
    }
    return (await this.fetchShared(key, scopeSet)).accessToken;
  }

  /**
   * Fetches a new token with the current credentials now, bypassing the cache, and caches it.
   * Used to prove that freshly switched credentials work (secret rotation).
   */
  async refresh(scopes: readonly string[]): Promise<string> {
    const scopeSet = normalizeScopes(scopes);
    const key = this.keyFor(scopeSet);
    const token = await this.fetchWithRetry(scopeSet, this.credentials);
    this.store(key, token);
    return token.accessToken;
  }

  /**
   * Drops the cached token for `scopes`. With `rejectedToken`, only if that is still the cached one:
   * many requests refused with the same token then cause one new token, not one each.
   */
  invalidate(scopes: readonly string[], rejectedToken?: string): boolean {
    const key = this.keyFor(normalizeScopes(scopes));
    const cached = this.cache.get<CachedToken>(key);
    if (!cached || (rejectedToken !== undefined && cached.accessToken !== rejectedToken)) return false;
    this.cache.del(key);
    return true;
  }

  /**
   * Uses these credentials for every token request from now on (a retry in progress included).
   * Tokens already cached for the same client stay: they are valid whatever secret got them.
   * For another client they are dropped.
   */
  setCredentials(credentials: ClientCredentials): void {
    assertCredentials(credentials);
    const previous = this.credentials;
    this.credentials = { ...credentials };
    if (previous.clientId !== credentials.clientId) this.cache.flushAll();
  }

  stats(): TokenProviderStats {
    return { ...this.counters, cachedTokens: this.cache.keys().length };
  }

  /** Stops the cache's timer and refuses further calls; retries in progress give up at their next step. */
  close(): void {
    this.closed = true;
    this.cache.flushAll();
    this.cache.close();
  }

  private keyFor(scopeSet: string[]): string {
    return `${this.credentials.clientId}\n${scopeSet.join(' ')}`;
  }

  /** Starts one background refresh; the caller keeps using the cached token meanwhile. */
  private refreshAhead(key: string, scopeSet: string[], cached: CachedToken, now: number): void {
    if (this.inFlight.has(key) || now < cached.nextRefreshAttemptAt) return;
    this.counters.refreshesAhead++;
    this.fetchShared(key, scopeSet).catch((err: unknown) => {
      // Keep serving the cached token, and wait a little before trying again.
      cached.nextRefreshAttemptAt = this.now() + this.tuning.retryMaxDelayMs;
      this.logger.warn(
        { err, scopes: scopeSet },
        'M2M token refresh failed; the cached token keeps serving until it is too close to expiry',
      );
    });
  }

  /** Single-flight: the callers that miss together share one fetch per key. */
  private fetchShared(key: string, scopeSet: string[]): Promise<CachedToken> {
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const fetching = this.fetchWithRetry(scopeSet, this.credentials)
      .then((token) => {
        // A switch to another client while this was in flight: don't file the old client's token under the new key.
        if (key === this.keyFor(scopeSet)) this.store(key, token);
        return token;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, fetching);
    return fetching;
  }

  private store(key: string, token: CachedToken): void {
    const ttlSeconds = Math.max(1, Math.ceil((token.usableUntil - this.now()) / 1000));
    this.cache.set(key, token, ttlSeconds);
  }

  private async fetchWithRetry(scopeSet: string[], initial: ClientCredentials): Promise<CachedToken> {
    let credentials = initial;
    for (let attempt = 1; ; attempt++) {
      this.assertNotBackingOff(credentials.clientId, scopeSet, attempt - 1);
      const startedAt = this.now();
      let failure: TokenFailure;
      try {
        this.counters.tokenRequests++;
        const response = await withTimeout(
          this.endpoint.m2m.token({ client_id: credentials.clientId, client_secret: credentials.clientSecret, scopes: scopeSet }),
          this.tuning.requestTimeoutMs,
        );
        if (typeof response.access_token !== 'string' || !(response.expires_in > 0)) {
          throw new Error('the token response has no access_token or expires_in');
        }
        this.logger.debug(
          { clientId: credentials.clientId, scopes: scopeSet, expiresIn: response.expires_in, attempt },
          'M2M token fetched',
        );
        return { accessToken: response.access_token, ...tokenTimes(response.expires_in, startedAt, this.tuning), nextRefreshAttemptAt: 0 };
      } catch (err) {
        this.counters.failedTokenRequests++;
        failure = classifyTokenFailure(err);
      }
      if (failure.reason === 'auth_server_rate_limited') {
        // One back-off for every caller of this provider; retrying now would only prolong the limit.
        const waitSeconds = failure.retryAfterSeconds ?? this.tuning.rateLimitBackoffSeconds;
        this.backoffUntil = Math.max(this.backoffUntil, this.now() + waitSeconds * 1000);
        this.logger.warn(
          { clientId: credentials.clientId, scopes: scopeSet, retryAfterSeconds: waitSeconds },
          'M2M token request rate limited; backing off',
        );
        throw new TokenUnavailableError(failure, {
          attempts: attempt,
          clientId: credentials.clientId,
          scopes: scopeSet,
          retryAfterSeconds: waitSeconds,
        });
      }
      // The secret was switched while this attempt ran (a rotation): the new one deserves a try at once.
      const switched = this.credentials !== credentials;
      if (this.closed || attempt >= this.tuning.maxAttempts || (!failure.retryable && !switched)) {
        throw new TokenUnavailableError(failure, { attempts: attempt, clientId: credentials.clientId, scopes: scopeSet });
      }
      this.logger.warn(
        { clientId: credentials.clientId, scopes: scopeSet, attempt, reason: failure.reason, detail: failure.detail },
        'M2M token request failed; retrying',
      );
      if (!switched) await sleep(fullJitterDelayMs(attempt, this.tuning.retryBaseDelayMs, this.tuning.retryMaxDelayMs));
      credentials = this.credentials;
    }
  }

  /** Fails at once while the auth server's Retry-After runs: the request would only be refused again. */
  private assertNotBackingOff(clientId: string, scopeSet: string[], attempts: number): void {
    const waitMs = this.backoffUntil - this.now();
    if (waitMs <= 0) return;
    const retryAfterSeconds = Math.ceil(waitMs / 1000);
    const detail = `the auth server is rate limiting token requests; asking again in ${retryAfterSeconds} s`;
    throw new TokenUnavailableError(
      { reason: 'auth_server_rate_limited', retryable: true, detail, cause: new Error(detail) },
      { attempts, clientId, scopes: scopeSet, retryAfterSeconds },
    );
  }
}

/** Sorted and de-duplicated, so that the order callers list scopes in does not split the cache. */
export function normalizeScopes(scopes: readonly string[]): string[] {
  return [...new Set(scopes.map((s) => s.trim()).filter(Boolean))].sort();
}

/**
 * Expiry is counted from when the request was sent (the answer's travel time is on the safe side),
 * with our own clock (no trust in clock sync with the auth server), less one second: the token's
 * `exp` is whole seconds, so it can fall up to a second before sent-time + expires_in.
 */
export function tokenTimes(
  expiresInSeconds: number,
  sentAt: number,
  { refreshMarginSeconds, refreshMarginRatio, minRemainingSeconds }: Required<RefreshMargins>,
): TokenTimes {
  const lifetimeMs = Math.max(expiresInSeconds - 1, expiresInSeconds / 2) * 1000;
  const refreshMargin = Math.min(Math.max(refreshMarginSeconds * 1000, refreshMarginRatio * lifetimeMs), lifetimeMs / 2);
  const minRemaining = Math.min(minRemainingSeconds * 1000, lifetimeMs / 4);
  const expiresAt = sentAt + lifetimeMs;
  return { expiresAt, refreshAt: expiresAt - refreshMargin, usableUntil: expiresAt - minRemaining };
}
