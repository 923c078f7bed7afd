import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { FailureLimiter, HttpError } from '@m2m/shared';

const CHALLENGE = 'Bearer realm="payment-server admin"';

/** Wrong admin keys one IP may send a minute before it gets 429 (the default). */
export const ADMIN_FAILURES_PER_MINUTE = 10;

/**
 * `Authorization: Bearer <ADMIN_API_KEY>` on every /admin route. Both sides are hashed to the same
 * length first and compared with timingSafeEqual, so neither the time taken nor an early length
 * mismatch tells a guesser how close they are; wrong keys are counted per IP and then refused for a while.
 * Per IP, so a stranger's wrong keys lock out only the stranger's own address (behind a proxy, set
 * TRUST_PROXY so that each caller has its own). A key sent from a locked address waits too: letting a
 * right key through there would tell a guesser which of its guesses is right.
 */
export function requireAdminKey(adminApiKey: string, failuresPerMinute = ADMIN_FAILURES_PER_MINUTE): RequestHandler {
  const expected = digest(adminApiKey);
  const failures = new FailureLimiter(failuresPerMinute);
  return (req, res, next) => {
    // Admin answers may name clients and secrets' last fours: never cached anywhere.
    res.setHeader('Cache-Control', 'no-store');
    const ipKey = String(req.ip);
    const wait = failures.retryAfterSeconds(ipKey);
    if (wait > 0) {
      throw new HttpError(429, 'too_many_requests', `Too many wrong admin keys; retry in ${wait} s`, { 'Retry-After': String(wait) });
    }
    const key = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!key) {
      throw new HttpError(401, 'unauthorized', 'Admin routes need the header Authorization: Bearer <ADMIN_API_KEY>', {
        'WWW-Authenticate': CHALLENGE,
      });
    }
    if (!timingSafeEqual(digest(key), expected)) {
      failures.recordFailure(ipKey);
      // pino-http's logger, when the app has one: the guard also works mounted alone.
      (req.log as typeof req.log | undefined)?.warn('admin request with a wrong key');
      throw new HttpError(401, 'unauthorized', 'The admin API key is not valid', {
        'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"`,
      });
    }
    next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
