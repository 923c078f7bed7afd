import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ServiceError } from './errors';

/** The one error body of our own services. */
export interface ErrorBody {
  error: { code: string; message: string; request_id: string };
}

/** A ServiceError a handler throws to answer with a status and a code, its message shown to the client. */
export class HttpError extends ServiceError {
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(code, message, { status, expose: true, headers });
  }
}

/** 404 for any route nobody answered. */
export const notFound: RequestHandler = (req) => {
  throw new HttpError(404, 'not_found', `No route for ${req.method} ${req.path}`);
};

/** 405 with an Allow header, for a path that exists under other methods. */
export function methodNotAllowed(allow: string[], hint?: string): RequestHandler {
  return (req) => {
    throw new HttpError(405, 'method_not_allowed', hint ?? `${req.method} is not allowed here; use ${allow.join(', ')}`, {
      Allow: allow.join(', '),
    });
  };
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** A failure to read the request body (body-parser's errors): the client's mistake, with its status. Else undefined. */
export function bodyReadError(err: unknown): { status: number; code: string; message: string } | undefined {
  const parser = err as BodyParserError | undefined;
  switch (parser?.type) {
    case 'entity.parse.failed':
      return { status: 400, code: 'invalid_json', message: 'The request body is not valid JSON' };
    case 'entity.too.large':
      return { status: 413, code: 'payload_too_large', message: `The request body is larger than ${parser.limit} bytes` };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'unsupported_media_type', message: 'Unsupported body encoding or charset' };
  }
  if (typeof parser?.status === 'number' && parser.status >= 400 && parser.status < 500) {
    return { status: parser.status, code: 'bad_request', message: 'The request could not be read' };
  }
  return undefined;
}

/** Turns anything thrown into `{ error: { code, message, request_id } }`; only our own bugs become 500s. */
export function errorHandler(): ErrorRequestHandler {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- Express tells an error handler by its four parameters
  return (err: unknown, req, res, _next) => {
    const id = (req as { id?: unknown }).id;
    const requestId = typeof id === 'string' || typeof id === 'number' ? String(id) : '';
    const http = toHttpError(err);
    // Our own bug gets the stack; a deliberate 502/503/504 (a peer is down) is told by the access log line.
    if (!(err instanceof ServiceError) && http.status >= 500) {
      // req.log is pino-http's: absent in an app that mounts no httpLogger.
      (req.log as typeof req.log | undefined)?.error({ err }, 'request failed');
    }
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(http.headers)) res.setHeader(name, value);
    const message = http.expose ? http.message : INTERNAL_MESSAGE;
    const body: ErrorBody = { error: { code: http.code, message, request_id: requestId } };
    res.status(http.status).json(body);
  };
}

const INTERNAL_MESSAGE = 'Something went wrong on our side; the request id helps us find it';

function toHttpError(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err;
  const unreadable = bodyReadError(err);
  if (unreadable) return new HttpError(unreadable.status, unreadable.code, unreadable.message);
  return new ServiceError('internal_error', INTERNAL_MESSAGE);
}
