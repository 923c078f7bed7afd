import type { Request, RequestHandler } from 'express';
import { Histogram, type Registry } from 'prom-client';

/** The route label of a request no route answered (a 404, or a guard mounted with app.use that refused it first). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * `http_request_duration_seconds{method, route, status_code}` for every request. `route` is the
 * template that matched (`/admin/m2m/clients/:client_id`), never the raw path: a path carries ids
 * (and whatever a caller types), so labelling by it would make one time series per request.
 * Mount it first, before any router.
 */
export function httpMetrics(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request to its answer, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (req, res, next) => {
    const stop = duration.startTimer();
    const template = recordRouteTemplate(req);
    res.once('finish', () => {
      stop({ method: req.method, route: template.value ?? UNMATCHED_ROUTE, status_code: String(res.statusCode) });
    });
    next();
  };
}

/**
 * Remembers the template of the route Express matches. The router assigns `req.route` when it
 * dispatches to a route, while `req.baseUrl` is still the mount path of its router; by the time the
 * answer is sent (an error handled at the app), `baseUrl` is restored. So the template is taken at
 * that assignment, through a property that keeps `req.route` working as before.
 */
function recordRouteTemplate(req: Request): { value: string | undefined } {
  const template: { value: string | undefined } = { value: undefined };
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: unknown) {
      route = value;
      template.value = templateOf(req.baseUrl, (value as { path?: unknown } | undefined)?.path, req.path);
    },
  });
  return template;
}

function templateOf(baseUrl: string, path: unknown, requestPath: string): string | undefined {
  // A route declared with several paths (app.all(['/healthz', '/readyz'])): the one the request has, else all of them.
  if (Array.isArray(path)) {
    const paths = path.map(String);
    return baseUrl + (paths.includes(requestPath) ? requestPath : paths.join('|'));
  }
  return typeof path === 'string' ? baseUrl + path : undefined;
}
