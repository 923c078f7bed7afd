import type { ErrorRequestHandler } from 'express';
import { bodyReadError, ServiceError } from '@m2m/shared';

/**
 * RFC 6749 §5.2's error codes (and §4.1.2.1's unsupported_response_type), RFC 8707's invalid_target, and the two HTTP leaves to itself
 * (429, 503); `server_error` for our own bugs.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'unsupported_response_type'
  | 'too_many_requests'
  | 'temporarily_unavailable'
  | 'server_error';

/** An answer of the wallet's token endpoint: rendered as `{ error, error_description }`, never our usual envelope. */
export class OAuthError extends ServiceError {
  declare readonly code: OAuthErrorCode;

  constructor(status: number, code: OAuthErrorCode, description: string, headers: Record<string, string> = {}) {
    super(code, description, { status, expose: status < 500 || code === 'temporarily_unavailable', headers });
  }
}

/**
 * The token endpoint's error handler: every failure is an RFC 6749 §5.2 body with `Cache-Control:
 * no-store`. An unreadable body is the client's invalid_request; anything else we did not throw on
 * purpose is our bug: server_error, and a log line with the stack.
 */
export function oauthErrorHandler(): ErrorRequestHandler {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- Express tells an error handler by its four parameters
  return (err: unknown, req, res, _next) => {
    const error = toOAuthError(err);
    if (!(err instanceof OAuthError) && error.status >= 500) req.log.error({ err }, 'token request failed');
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    const description = error.expose ? error.message : 'Something went wrong on our side; try again later';
    res.status(error.status).json({ error: error.code, error_description: description });
  };
}

function toOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  // The shared body reader's and 405's refusals: the client's mistakes, kept with their status and headers (Allow).
  if (err instanceof ServiceError && err.status < 500 && err.expose)
    return new OAuthError(err.status, 'invalid_request', err.message, { ...err.headers });
  const unreadable = bodyReadError(err);
  if (unreadable) return new OAuthError(unreadable.status, 'invalid_request', unreadable.message);
  return new OAuthError(500, 'server_error', 'internal error');
}
