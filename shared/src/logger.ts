import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';

export type { Logger };

/**
 * Paths whose values never reach a log line. Tokens and secrets travel in these places;
 * anything not listed is never logged in the first place (bodies are not logged).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.client_secret',
  '*.next_client_secret',
  '*.secret',
  '*.access_token',
  '*.token',
  '*.admin_api_key',
  'client_secret',
  'next_client_secret',
  'secret',
  'access_token',
  'token',
];

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  destination?: pino.DestinationStream;
}

export function createLogger({ name, level = 'info', destination }: LoggerOptions): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface HttpLoggerOptions {
  /** Makes a request id when the client sent none (the auth-server uses Stytch's `request-id-test-<uuid>`). */
  newRequestId?: () => string;
}

/** Access logs with a request id: taken from a well-formed `X-Request-Id`, else generated, and echoed back. */
export function httpLogger(logger: Logger, { newRequestId = randomUUID }: HttpLoggerOptions = {}): HttpLogger {
  return pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : newRequestId();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel(_req, res, err) {
      // 502-504: a peer is down or slow; worth a warning, not an error of ours.
      if (res.statusCode >= 502 && res.statusCode <= 504) return 'warn';
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return 'info';
    },
    // Only what helps: method, path without the query string, status, time.
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
