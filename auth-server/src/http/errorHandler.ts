import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { bodyReadError, HttpError } from '@m2m/shared';
import { OAuthError, StytchApiError, errorUrl } from './apiErrors';
import { requestIdOf } from './envelope';

/** 404 for any route nobody answered, in Stytch's shape (the SDK needs JSON to build its error). */
export const stytchNotFound: RequestHandler = (req) => {
  throw new StytchApiError(404, 'route_not_found', `No route for ${req.method} ${req.path}`);
};

/** 405 with an Allow header, for a path that exists under other methods. */
export function stytchMethodNotAllowed(allow: string[]): RequestHandler {
  return (req) => {
    throw new StytchApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${req.path}; use ${allow.join(', ')}`, {
      Allow: allow.join(', '),
    });
  };
}

/**
 * Every error becomes JSON: OAuth 2.0's shape on the token endpoint, Stytch's elsewhere.
 * Messages never include request bodies or headers, so no secret reaches a response or a log line.
 */
export function stytchErrorHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const error = toApiError(err, isTokenEndpoint(req));
    if (error.status >= 500) req.log?.error({ err }, 'request failed');
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    const requestId = requestIdOf(req);
    // Retry-After repeated in the body: the Stytch SDK drops headers but keeps the body in its error.
    const retryAfter = error.headers['Retry-After'];
    const wait = retryAfter === undefined ? {} : { retry_after_seconds: Number(retryAfter) };
    if (error instanceof OAuthError) {
      res.status(error.status).json({
        status_code: error.status,
        request_id: requestId,
        error: error.code,
        error_description: error.message,
        error_uri: 'https://datatracker.ietf.org/doc/html/rfc6749#section-5.2',
        ...wait,
      });
      return;
    }
    res.status(error.status).json({
      status_code: error.status,
      request_id: requestId,
      error_type: error.errorType,
      error_message: error.message,
      error_url: errorUrl(error.status),
      ...wait,
    });
  };
}

function isTokenEndpoint(req: Request): boolean {
  return /^\/v1\/public\/[^/]+\/oauth2\/token\/?$/.test(req.path);
}

function toApiError(err: unknown, oauth: boolean): StytchApiError | OAuthError {
  if (err instanceof OAuthError) return err;
  if (err instanceof StytchApiError) {
    if (!oauth || err.status === 404 || err.status === 405) return err;
    return new OAuthError(err.status, err.status >= 500 ? 'server_error' : 'invalid_request', err.message, err.headers);
  }
  const make = (status: number, type: string, message: string) =>
    oauth ? new OAuthError(status, status >= 500 ? 'server_error' : 'invalid_request', message) : new StytchApiError(status, type, message);
  // The shared body reader's refusals (415, 400 too deep, 413...), in this server's shapes.
  if (err instanceof HttpError && err.status < 500) return make(err.status, err.code, err.message);
  const unreadable = bodyReadError(err);
  if (unreadable) return make(unreadable.status, unreadable.code, unreadable.message);
  return make(500, 'internal_server_error', 'Something went wrong on our side; the request_id helps find it in the logs');
}
