import type { Client } from 'stytch';
import { assertOAuthServer, type OAuthServer } from './oauthTokenEndpoint.js';

/**
 * What a TokenProvider is given, and the checks it runs on it at construction: a value out of range
 * (NaN, -1, 2.5 attempts, a minimum above its maximum) is a TypeError naming the option, at start-up
 * rather than at the first token.
 */

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** The one SDK call the provider makes; a `stytch.Client` satisfies it. */
export interface TokenEndpoint {
  m2m: Pick<Client['m2m'], 'token'>;
}

/** pino's logger satisfies this; so does `console` wrapped in two lines. */
export interface TokenProviderLogger {
  debug(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface TokenProviderTuning {
  /** Start refreshing when less than this is left... (default 60 s) */
  refreshMarginSeconds?: number;
  /** ...or less than this share of the token's lifetime, whichever is larger (default 0.1, at most 0.5). Capped at half the lifetime. */
  refreshMarginRatio?: number;
  /**
   * Never hand out a token with less than this left: it must outlive one request in flight (default 15 s; at most a
   * quarter of the lifetime). At most `refreshMarginSeconds`, so a token is still handed out when its refresh starts.
   */
  minRemainingSeconds?: number;
  /** Token requests per `getToken` before giving up, the first included (default 4). */
  maxAttempts?: number;
  /** Backoff between attempts: full jitter from this base (default 100 ms)... */
  retryBaseDelayMs?: number;
  /** ...up to this cap (default 2 s), which is also the pause after a failed background refresh. */
  retryMaxDelayMs?: number;
  /** Deadline of one token request (default 5 s). */
  requestTimeoutMs?: number;
  /** After a 429 that says no Retry-After, ask again after this long (default 10 s). */
  rateLimitBackoffSeconds?: number;
}

/** Where tokens come from: a Stytch project through its SDK, or any OAuth 2.0 authorization server. */
export type TokenSource =
  | {
      /** A `stytch.Client` of the project (its `m2m.token`). */
      stytch: TokenEndpoint;
      oauth?: never;
    }
  | {
      /** An issuer URL (RFC 8414 discovery) or a token endpoint URL: the wallet's own, or any OAuth server's. */
      oauth: OAuthServer;
      stytch?: never;
    };

export type TokenProviderOptions = TokenSource & TokenProviderConfig;

export interface TokenProviderConfig extends TokenProviderTuning {
  credentials: ClientCredentials;
  logger?: TokenProviderLogger;
  /** Epoch milliseconds (default Date.now); tests move it instead of sleeping. */
  now?: () => number;
}

export type RefreshMargins = Pick<TokenProviderTuning, 'refreshMarginSeconds' | 'refreshMarginRatio' | 'minRemainingSeconds'>;

const DEFAULT_TUNING: Required<TokenProviderTuning> = {
  refreshMarginSeconds: 60,
  refreshMarginRatio: 0.1,
  minRemainingSeconds: 15,
  maxAttempts: 4,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 2_000,
  requestTimeoutMs: 5_000,
  rateLimitBackoffSeconds: 10,
};

/** The longest wait a Node timer keeps; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Check = [valid: (n: number) => boolean, expected: string];
const SECONDS: Check = [(n) => Number.isFinite(n) && n >= 0, 'a non-negative number of seconds'];
const POSITIVE_SECONDS: Check = [(n) => Number.isFinite(n) && n > 0, 'a positive number of seconds'];
const MILLISECONDS: Check = [
  (n) => Number.isInteger(n) && n >= 0 && n <= MAX_TIMER_MS,
  `a whole number of milliseconds up to ${MAX_TIMER_MS}`,
];
const POSITIVE_MILLISECONDS: Check = [
  (n) => Number.isInteger(n) && n > 0 && n <= MAX_TIMER_MS,
  `a whole number of milliseconds from 1 to ${MAX_TIMER_MS}`,
];
const CHECKS: Record<keyof TokenProviderTuning, Check> = {
  refreshMarginSeconds: SECONDS,
  refreshMarginRatio: [(n) => Number.isFinite(n) && n >= 0 && n <= 0.5, 'a share of the lifetime from 0 to 0.5'],
  minRemainingSeconds: SECONDS,
  maxAttempts: [(n) => Number.isInteger(n) && n >= 1, 'a whole number of at least 1'],
  retryBaseDelayMs: MILLISECONDS,
  retryMaxDelayMs: MILLISECONDS,
  requestTimeoutMs: POSITIVE_MILLISECONDS,
  rateLimitBackoffSeconds: POSITIVE_SECONDS,
};

/** The tuning with its defaults filled in; a TypeError naming the first option out of range. */
export function resolveTuning(options: TokenProviderTuning): Required<TokenProviderTuning> {
  const tuning = { ...DEFAULT_TUNING };
  for (const name of Object.keys(CHECKS) as (keyof TokenProviderTuning)[]) {
    const value: unknown = options[name];
    if (value === undefined) continue;
    const [valid, expected] = CHECKS[name];
    if (typeof value !== 'number' || !valid(value)) throw new TypeError(`TokenProvider: ${name} must be ${expected} (got ${shown(value)})`);
    tuning[name] = value;
  }
  if (tuning.retryMaxDelayMs < tuning.retryBaseDelayMs) {
    throw new TypeError(
      `TokenProvider: retryMaxDelayMs (${tuning.retryMaxDelayMs}) must be at least retryBaseDelayMs (${tuning.retryBaseDelayMs})`,
    );
  }
  if (tuning.minRemainingSeconds > tuning.refreshMarginSeconds) {
    throw new TypeError(
      `TokenProvider: minRemainingSeconds (${tuning.minRemainingSeconds}) must be at most refreshMarginSeconds (${tuning.refreshMarginSeconds}): a token must still be handed out when its refresh starts`,
    );
  }
  return tuning;
}

/** A wrong value as the message shows it: `"5"` for a string, so that it can't pass for the number 5. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? String(value) : typeof value;
}

/** The options that are not numbers: what the provider calls, and with which credentials. */
export function assertOptions(options: TokenProviderOptions): void {
  const { stytch, oauth, logger, now } = options as Partial<Record<'stytch' | 'oauth' | keyof TokenProviderConfig, unknown>>;
  if (stytch !== undefined && oauth !== undefined) throw new TypeError('TokenProvider: give stytch or oauth, not both');
  if (oauth !== undefined) assertOAuthServer(oauth);
  else if (typeof (stytch as { m2m?: { token?: unknown } } | undefined)?.m2m?.token !== 'function') {
    throw new TypeError(
      'TokenProvider: stytch must be a Stytch client (new stytch.Client(...)); its m2m.token gets the tokens (or give oauth: { issuer } instead)',
    );
  }
  assertCredentials(options.credentials);
  const log = logger as Partial<Record<keyof TokenProviderLogger, unknown>> | undefined;
  if (log !== undefined && (typeof log.debug !== 'function' || typeof log.warn !== 'function')) {
    throw new TypeError('TokenProvider: logger must have debug and warn methods (a pino logger has)');
  }
  if (now !== undefined && typeof now !== 'function')
    throw new TypeError('TokenProvider: now must be a function returning epoch milliseconds');
}

export function assertCredentials(credentials: unknown): void {
  const { clientId, clientSecret } = (credentials ?? {}) as Partial<Record<keyof ClientCredentials, unknown>>;
  // The secret's value is never part of the message.
  if (typeof clientId !== 'string' || !clientId) throw new TypeError('TokenProvider: credentials.clientId must be a non-empty string');
  if (typeof clientSecret !== 'string' || !clientSecret)
    throw new TypeError('TokenProvider: credentials.clientSecret must be a non-empty string');
}
