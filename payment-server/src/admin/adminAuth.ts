import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from '@m2m/shared';

const CHALLENGE = 'Bearer realm="payment-server admin"';

/**
 * `Authorization: Bearer <ADMIN_API_KEY>` on every /admin route. Both sides are hashed to the same
 * length first and compared with timingSafeEqual, so neither the time taken nor an early length
 * mismatch tells a guesser how close they are.
 */
export function requireAdminKey(adminApiKey: string): RequestHandler {
  const expected = digest(adminApiKey);
  return (req, res, next) => {
    // Admin answers may name clients and secrets' last fours: never cached anywhere.
    res.setHeader('Cache-Control', 'no-store');
    const match = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
    if (!match) {
      throw new HttpError(401, 'unauthorized', 'Admin routes need the header Authorization: Bearer <ADMIN_API_KEY>', { 'WWW-Authenticate': CHALLENGE });
    }
    if (!timingSafeEqual(digest(match[1]!), expected)) {
      req.log?.warn('admin request with a wrong key');
      throw new HttpError(401, 'unauthorized', 'The admin API key is not valid', { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"` });
    }
    next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
