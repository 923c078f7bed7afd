import type { Express, Request } from 'express';
import { Histogram, type Registry } from 'prom-client';

/** The route label of a request no route answered (a 404, or a guard mounted with app.use that refused it first). */
export const UNMATCHED_ROUTE = 'unmatched';

const TEMPLATE = Symbol('route template');
const ROUTE = Symbol('route');
type TimedRequest = Request & { [TEMPLATE]?: string; [ROUTE]?: unknown };

/**
 * `http_request_duration_seconds{method, route, status_code}` for every request of `app`. `route`
 * is the template that matched (`/admin/m2m/clients/:clientId`), never the raw path: a path carries
 * ids (and whatever a caller types), so labelling by it would make one time series per request.
 * Call it on a new app, before any route is mounted.
 */
export function httpMetrics(app: Express, registry: Registry): void {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request to its answer, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  recordRouteTemplates(app);
  app.use((req: TimedRequest, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      duration.observe({ method: req.method, route: req[TEMPLATE] ?? UNMATCHED_ROUTE, status_code: String(res.statusCode) }, seconds);
    });
    next();
  });
}

/**
 * The router assigns `req.route` when it dispatches to a route, while `req.baseUrl` is still the
 * mount path of the route's router; by the time the answer is sent (say, an error handled at the
 * app) `baseUrl` is restored. So the template is taken at that assignment, by an accessor on the
 * app's request prototype (Express gives each app its own), which keeps `req.route` as it was.
 */
function recordRouteTemplates(app: Express): void {
  Object.defineProperty(app.request, 'route', {
    configurable: true,
    enumerable: true,
    get(this: TimedRequest) {
      return this[ROUTE];
    },
    set(this: TimedRequest, route: unknown) {
      this[ROUTE] = route;
      this[TEMPLATE] = templateOf(this, (route as { path?: unknown } | undefined)?.path);
    },
  });
}

function templateOf(req: Request, path: unknown): string | undefined {
  if (typeof path === 'string') return req.baseUrl + path;
  // A route declared with several paths (app.all(['/healthz', '/readyz'])): the one the request has, else all of them.
  if (!Array.isArray(path)) return undefined;
  const paths = path.map(String);
  return req.baseUrl + (paths.includes(req.path) ? req.path : paths.join('|'));
}
