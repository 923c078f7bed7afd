import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { bodyReadError, ServiceError } from '@m2m/shared';
import { AuthServerError } from '../errors';
import { INTERNAL_MESSAGE, oauthErrorBody, stytchErrorBody } from './apiErrors';
import { requestIdOf } from './envelope';

/** 404 for any route nobody answered, in Stytch's shape (the SDK needs JSON to build its error). */
export const stytchNotFound: RequestHandler = (req) => {
  throw new AuthServerError(404, 'route_not_found', `No route for ${req.method} ${req.path}`);
};

/** 405 with an Allow header, for a path that exists under other methods. */
export function stytchMethodNotAllowed(allow: string[]): RequestHandler {
  return (req) => {
    throw new AuthServerError(405, 'method_not_allowed', `${req.method} is not allowed on ${req.path}; use ${allow.join(', ')}`, {
      headers: { Allow: allow.join(', ') },
    });
  };
}

/**
 * Every error becomes JSON: OAuth 2.0's shape on the token endpoint (but for a wrong path or method,
 * which are Stytch's 404 and 405 there too), Stytch's elsewhere.
 * Messages never include request bodies or headers, so no secret reaches a response or a log line.
 */
export function stytchErrorHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const error = toAuthServerError(err);
    if (error.status >= 500) req.log.error({ err }, 'request failed');
    // Too late for an answer of ours: Express's own handler closes the connection.
    if (res.headersSent) {
      next(err);
      return;
    }
    res.set(error.headers);
    const oauth = isTokenEndpoint(req) && error.status !== 404 && error.status !== 405;
    const requestId = requestIdOf(req);
    res.status(error.status).json(oauth ? oauthErrorBody(error, requestId) : stytchErrorBody(error, requestId));
  };
}

function isTokenEndpoint(req: Request): boolean {
  return /^\/v1\/public\/[^/]+\/oauth2\/(token|authorize)\/?$/.test(req.path);
}

/** The one place anything thrown becomes an answer: our own errors as they are, the shared body reader's refusals in our family. */
function toAuthServerError(err: unknown): AuthServerError {
  // (instanceof on a generic class gives AuthServerError<any>; every code is a string.)
  if (err instanceof AuthServerError) return err as AuthServerError;
  // The shared body reader's refusals (415, 400 too deep...) are the client's; any other shared error is ours.
  if (err instanceof ServiceError && err.status < 500) {
    return new AuthServerError(err.status, err.code, err.message, { headers: { ...err.headers }, expose: err.expose });
  }
  const unreadable = bodyReadError(err);
  if (unreadable) return new AuthServerError(unreadable.status, unreadable.code, unreadable.message);
  return new AuthServerError(500, 'internal_server_error', INTERNAL_MESSAGE, { cause: err });
}
