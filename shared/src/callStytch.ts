import { RequestError, StytchError } from 'stytch';
import { HttpError } from './httpErrors';
import { TimeoutError, withTimeout } from './timeout';

export const STYTCH_CALL_TIMEOUT_MS = 10_000;

/**
 * Runs one Stytch management call (with the project's credentials) with a deadline, since the SDK's
 * fetch has none, and turns its failures into our error shape. The caller's mistakes (a bad filter,
 * an unknown client) keep their 4xx status and Stytch's `error_type` as the code; Stytch refusing
 * OUR project credentials, or failing, is not the caller's fault: 502, and 503/504 when it can't be
 * reached in time. Used by the payment-server's admin routes and secret rotation, and the wallet's tenant routes.
 */
export async function callStytch<T>(call: () => Promise<T>, timeoutMs = STYTCH_CALL_TIMEOUT_MS): Promise<T> {
  try {
    return await withTimeout(call(), timeoutMs, 'The Stytch API');
  } catch (err) {
    throw stytchFailure(err) ?? err;
  }
}

/** Our error for a Stytch failure; undefined for anything else (our own bug: it stays a 500 and is logged). */
function stytchFailure(err: unknown): HttpError | undefined {
  if (err instanceof TimeoutError) return new HttpError(504, 'auth_server_timeout', err.message);
  if (err instanceof RequestError) {
    if (err.message.startsWith('Unable to parse JSON')) {
      return new HttpError(502, 'auth_server_error', 'The Stytch API gave an answer that is not JSON');
    }
    return new HttpError(503, 'auth_server_unavailable', `The Stytch API can't be reached (${err.message}); try again shortly`);
  }
  if (!(err instanceof StytchError)) return undefined;
  const status = err.status_code;
  if (status === 401 || status === 403) {
    return new HttpError(
      502,
      'auth_server_rejected_project_credentials',
      `The Stytch API refused this server's project credentials (${err.error_type}): check STYTCH_PROJECT_ID / STYTCH_SECRET`,
    );
  }
  if (status === 429) {
    return new HttpError(503, 'auth_server_rate_limited', `The Stytch API is rate limiting us (${err.error_message}); try again shortly`, {
      'Retry-After': '1',
    });
  }
  if (status >= 400 && status < 500) {
    return new HttpError(status, err.error_type || 'stytch_error', err.error_message || 'The Stytch API refused the request');
  }
  return new HttpError(502, 'auth_server_error', `The Stytch API failed (${status} ${err.error_type})`);
}
