import http from 'node:http';
import { listen, closeServer } from '@m2m/shared';

/**
 * A tiny reverse proxy that counts what reaches the auth-server: put it between a client and the
 * auth-server, point the client at the proxy, and read the counts. It only forwards; it does not
 * look at credentials, and it keeps nothing but the counters.
 */
export interface CountingProxy {
  url: string;
  /** Requests per "METHOD /path" (token requests grouped by the scope they asked for). */
  counts(): Record<string, number>;
  /** Token-endpoint requests, by requested scope set ('*' when none was asked). */
  tokenRequestsByScope(): Record<string, number>;
  total(): number;
  reset(): void;
  /** Points the proxy at its upstream; for when the upstream must know the proxy's URL first. */
  setTarget(targetUrl: string): void;
  close(): Promise<void>;
}

const TOKEN_PATH = /^\/v1\/public\/[^/]+\/oauth2\/token$/;

function scopeOf(body: string, contentType: string | undefined): string {
  try {
    if (contentType?.includes('application/json')) {
      const parsed = JSON.parse(body) as { scope?: unknown; scopes?: unknown };
      if (typeof parsed.scope === 'string') return normalize(parsed.scope);
      if (Array.isArray(parsed.scopes)) return normalize(parsed.scopes.join(' '));
      return '*';
    }
    const scope = new URLSearchParams(body).get('scope');
    return scope ? normalize(scope) : '*';
  } catch {
    return '?';
  }
}

const normalize = (scope: string): string => scope.split(/\s+/).filter(Boolean).sort().join(' ') || '*';

export async function startCountingProxy(targetUrl?: string): Promise<CountingProxy> {
  let target = targetUrl === undefined ? undefined : new URL(targetUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let counts: Record<string, number> = {};
  let tokenScopes: Record<string, number> = {};

  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const pathname = (req.url ?? '/').split('?')[0] ?? '/';
      const key = `${req.method} ${TOKEN_PATH.test(pathname) ? '/v1/public/{project}/oauth2/token' : pathname}`;
      counts[key] = (counts[key] ?? 0) + 1;
      if (TOKEN_PATH.test(pathname)) {
        const scope = scopeOf(body.toString('utf8'), req.headers['content-type']);
        tokenScopes[scope] = (tokenScopes[scope] ?? 0) + 1;
      }
      if (!target) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status_code: 503, error_type: 'bench_proxy_no_target', error_message: 'no upstream yet' }));
        return;
      }
      const upstream = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
          agent,
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status_code: 502, error_type: 'bench_proxy_upstream_error', error_message: 'auth-server unreachable' }));
      });
      upstream.end(body);
    });
  };

  const running = await listen(handler, 0, '127.0.0.1');
  return {
    url: running.url,
    counts: () => ({ ...counts }),
    tokenRequestsByScope: () => ({ ...tokenScopes }),
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    setTarget: (url) => {
      target = new URL(url);
    },
    reset: () => {
      counts = {};
      tokenScopes = {};
    },
    close: async () => {
      await closeServer(running.server, 1000);
      agent.destroy();
    },
  };
}
