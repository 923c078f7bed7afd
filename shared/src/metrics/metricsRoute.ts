import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Registry } from 'prom-client';
import { FailureLimiter } from '../failureLimiter';
import { HttpError, methodNotAllowed } from '../httpErrors';
import { renderMetrics } from './registry';

export const METRICS_PATH = '/metrics';

/** Wrong metrics tokens one IP may send a minute before 429. */
export const METRICS_FAILURES_PER_MINUTE = 10;

const CHALLENGE = 'Bearer realm="metrics"';

export interface MetricsRouteOptions {
  registry: Registry;
  /**
   * The scraper's bearer secret (METRICS_TOKEN). Undefined: metrics are still counted, but
   * /metrics answers 404: a server that faces callers never shows them by default.
   */
  token: string | undefined;
}

/**
 * GET /metrics, for a scraper that sends `Authorization: Bearer <METRICS_TOKEN>`. The token is
 * compared in constant time (both sides hashed to one length first) and wrong ones are counted
 * per IP, as the admin key's are: metrics name clients' traffic and the server's internals.
 */
export function metricsRoute({ registry, token }: MetricsRouteOptions): Router {
  const router = Router();
  const expected = token === undefined ? undefined : digest(token);
  const failures = new FailureLimiter(METRICS_FAILURES_PER_MINUTE);
  router
    .route(METRICS_PATH)
    .get(async (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      if (!expected) {
        throw new HttpError(404, 'not_found', 'Metrics are not served here: set METRICS_TOKEN to scrape /metrics with it');
      }
      const ipKey = String(req.ip);
      const wait = failures.retryAfterSeconds(ipKey);
      if (wait > 0) {
        throw new HttpError(429, 'too_many_requests', `Too many wrong metrics tokens; retry in ${wait} s`, { 'Retry-After': String(wait) });
      }
      const given = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!given) {
        throw new HttpError(401, 'unauthorized', 'Scraping /metrics needs the header Authorization: Bearer <METRICS_TOKEN>', {
          'WWW-Authenticate': CHALLENGE,
        });
      }
      if (!timingSafeEqual(digest(given), expected)) {
        failures.recordFailure(ipKey);
        (req.log as typeof req.log | undefined)?.warn('metrics scrape with a wrong token');
        throw new HttpError(401, 'unauthorized', 'The metrics token is not valid', {
          'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"`,
        });
      }
      const { contentType, body } = await renderMetrics(registry);
      res.setHeader('Content-Type', contentType);
      res.send(body);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
