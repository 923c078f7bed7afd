import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';

/** Stytch's request id format; the access log line carries the same id (X-Request-Id). */
export function newStytchRequestId(): string {
  return `request-id-test-${randomUUID()}`;
}

/** The id of this request, as pino-http assigned it (from X-Request-Id or generated). */
export function requestIdOf(req: Request): string {
  const id = (req as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : newStytchRequestId();
}

/** Stytch's success envelope: the resource fields plus `request_id` and `status_code`. */
export function sendStytch(req: Request, res: Response, body: object, status = 200): void {
  res.status(status).json({ ...body, request_id: requestIdOf(req), status_code: status });
}
