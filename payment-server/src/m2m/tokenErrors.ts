import { RequestError, StytchError } from 'stytch';
import { TimeoutError } from './backoff.js';
import { OAuthAnswerError, OAuthTransportError } from './oauthTokenEndpoint.js';

/**
 * Why no token could be had. `retryable` says whether trying again later can help:
 * an unreachable, slow or failing auth server can recover; rejected credentials can't.
 */
export type TokenFailureReason =
  | 'auth_server_unreachable'
  | 'auth_server_timeout'
  | 'auth_server_error'
  | 'auth_server_rate_limited'
  | 'invalid_client'
  | 'invalid_scope'
  | 'rejected';

export interface TokenFailure {
  reason: TokenFailureReason;
  retryable: boolean;
  /** A one-line description safe to log: never a secret, never a token. */
  detail: string;
  /** What went wrong underneath, stripped of anything that could carry the client secret. */
  cause: Error;
  /** For a 429: how long the auth server asked us to wait, when it said (in seconds). */
  retryAfterSeconds?: number;
}

/**
 * Thrown when a token can't be had after the retries; callers map it to 503/504 (retryable) or 502.
 * Shaped like the services' errors: `code` names the error (what programs match on), `reason` says why.
 */
export class TokenUnavailableError extends Error {
  override readonly name = 'TokenUnavailableError';
  readonly code = 'm2m_token_unavailable';
  readonly reason: TokenFailureReason;
  readonly retryable: boolean;
  readonly attempts: number;
  /** For `auth_server_rate_limited`: seconds until the provider asks again. */
  readonly retryAfterSeconds: number | undefined;
  readonly clientId: string;
  readonly scopes: readonly string[];
  override readonly cause: Error;

  constructor(
    failure: TokenFailure,
    context: { attempts: number; clientId: string; scopes: readonly string[]; retryAfterSeconds?: number },
  ) {
    const scopes = context.scopes.length ? context.scopes.join(' ') : "(all of the client's scopes)";
    super(`No M2M access token for ${context.clientId} with scope ${scopes} after ${context.attempts} attempt(s): ${failure.detail}`);
    this.reason = failure.reason;
    this.retryable = failure.retryable;
    this.attempts = context.attempts;
    this.retryAfterSeconds = context.retryAfterSeconds ?? failure.retryAfterSeconds;
    this.clientId = context.clientId;
    this.scopes = context.scopes;
    this.cause = failure.cause;
  }
}

/**
 * Sorts a failed `m2m.token` call into a reason. The SDK throws `StytchError` for any answer
 * >= 400 (OAuth errors have `error` mapped to `error_type`) and `RequestError` when the server
 * can't be reached or answers something that is not JSON; our deadline throws `TimeoutError`. A
 * plain OAuth server (oauthTokenEndpoint.ts) throws `OAuthAnswerError` and `OAuthTransportError`.
 */
export function classifyTokenFailure(err: unknown): TokenFailure {
  if (err instanceof TimeoutError) {
    const detail = `the auth server did not answer within ${err.timeoutMs} ms`;
    return { reason: 'auth_server_timeout', retryable: true, detail, cause: err };
  }
  if (err instanceof StytchError) return classifyAnswer(err);
  if (err instanceof OAuthAnswerError) return classifyStatus(err.status, err.error, err.message, err.retryAfterSeconds);
  if (err instanceof OAuthTransportError) {
    return {
      reason: err.retryable ? 'auth_server_unreachable' : 'auth_server_error',
      retryable: err.retryable,
      detail: err.message,
      cause: err,
    };
  }
  if (err instanceof RequestError) {
    // RequestError keeps the request it failed on, whose form body holds client_secret: only its message goes on.
    const cause = new Error(err.message);
    const reason = err.message.startsWith('Unable to parse JSON') ? 'auth_server_error' : 'auth_server_unreachable';
    return { reason, retryable: true, detail: err.message, cause };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { reason: 'auth_server_error', retryable: false, detail: `unexpected failure: ${message}`, cause: new Error(message) };
}

/** An answer >= 400 from the token endpoint. */
function classifyAnswer(err: StytchError): TokenFailure {
  const detail = `${err.status_code} ${err.error_type}: ${err.error_message}`;
  // Rebuilt from the parsed fields only: the original message is the whole response body.
  const cause = Object.assign(new Error(detail), { status_code: err.status_code, error_type: err.error_type, request_id: err.request_id });
  return classifyStatus(err.status_code, err.error_type, detail, retryAfterOf(err), cause);
}

/** The reason for an error answer: its status, and its OAuth `error` code. */
function classifyStatus(
  status: number,
  error: string,
  detail: string,
  retryAfterSeconds: number | undefined,
  cause = new Error(detail),
): TokenFailure {
  const failure = (reason: TokenFailureReason, retryable: boolean): TokenFailure => ({ reason, retryable, detail, cause });
  if (error === 'invalid_client' || status === 401) return failure('invalid_client', false);
  if (error === 'invalid_scope') return failure('invalid_scope', false);
  if (status === 429) {
    return { ...failure('auth_server_rate_limited', true), ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) };
  }
  if (status >= 500) return failure('auth_server_error', true);
  return failure('rejected', false);
}

/**
 * The SDK drops response headers, so Retry-After can't be read; its error message is the whole
 * JSON body, where the local auth-server repeats it as `retry_after_seconds`. Undefined otherwise.
 */
function retryAfterOf(err: StytchError): number | undefined {
  try {
    const seconds = (JSON.parse(err.message) as { retry_after_seconds?: unknown }).retry_after_seconds;
    return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 3600) : undefined;
  } catch {
    return undefined;
  }
}
