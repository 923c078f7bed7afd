import http from 'node:http';
import { closeServer, listen } from '@m2m/shared';

/**
 * A tiny reverse proxy in front of the auth-server that counts what reaches it, for the tests and
 * the bench. Real HTTP in front of a real server; it only forwards and counts, never looks at
 * credentials. `setMode('hang')` holds requests unanswered (a hung server), `setMode('drop')`
 * closes their sockets as if the server were gone (a 502 with a body would look like a broken
 * server, not a missing one).
 */
export interface CountingProxy {
  url: string;
  /** Token-endpoint requests by requested scope set (sorted, space-joined; '*' when none), form or JSON. */
  tokenRequests(): Record<string, number>;
  tokenRequestTotal(): number;
  /** RFC 8707 `resource` values of form token requests, by value (so a test sees what a forwarder passed on). */
  tokenResources(): Record<string, number>;
  /** Every request by "METHOD /path" (the token endpoint as /v1/public/{project}/oauth2/token). */
  requests(): Record<string, number>;
  requestTotal(): number;
  /** Forwarded answers by "METHOD path status" (the token endpoint as `token`). */
  answers(): Record<string, number>;
  reset(): void;
  setMode(mode: ProxyMode): void;
  /** Like setMode, for token-endpoint requests only (management calls and the JWKS keep being forwarded). */
  setTokenMode(mode: ProxyMode): void;
  /** Points the proxy at its upstream; for when the upstream must know the proxy's URL first. */
  setTarget(targetUrl: string): void;
  close(): Promise<void>;
}

export type ProxyMode = 'forward' | 'hang' | 'drop';

const TOKEN_PATH = /^\/v1\/public\/[^/]+\/oauth2\/token$/;

const normalize = (scope: string): string => scope.split(/\s+/).filter(Boolean).sort().join(' ') || '*';

function scopeOf(body: string, contentType: string | undefined): string {
  try {
    if (contentType?.includes('application/json')) {
      const parsed = JSON.parse(body) as { scope?: unknown; scopes?: unknown };
      if (typeof parsed.scope === 'string') return normalize(parsed.scope);
      if (Array.isArray(parsed.scopes)) return normalize(parsed.scopes.join(' '));
      return '*';
    }
    return normalize(new URLSearchParams(body).get('scope') ?? '');
  } catch {
    return '?';
  }
}

/** The `resource` parameters of a form body (credentials are never read). */
function resourcesOf(body: string, contentType: string | undefined): string[] {
  return contentType?.includes('application/x-www-form-urlencoded') ? new URLSearchParams(body).getAll('resource') : [];
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** Until it has a target (`setTarget`), the proxy answers 503; when the target is unreachable, 502. */
export async function startCountingProxy(targetUrl?: string): Promise<CountingProxy> {
  let target = targetUrl === undefined ? undefined : new URL(targetUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let tokens: Record<string, number> = {};
  let resources: Record<string, number> = {};
  let requests: Record<string, number> = {};
  let answers: Record<string, number> = {};
  let mode: ProxyMode = 'forward';
  let tokenMode: ProxyMode = 'forward';
  const hung = new Set<http.ServerResponse>();

  const release = () => {
    for (const res of hung) res.socket?.destroy();
    hung.clear();
  };

  const stytchError = (res: http.ServerResponse, status: number, type: string, message: string) => {
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status_code: status, error_type: type, error_message: message }));
  };

  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const pathname = (req.url ?? '/').split('?')[0] ?? '/';
      const isToken = TOKEN_PATH.test(pathname);
      // What is dropped or held never reached the auth-server, so it is not counted.
      const effective = mode === 'forward' && isToken ? tokenMode : mode;
      if (effective === 'drop') return void req.socket.destroy();
      if (effective === 'hang') return void hung.add(res);
      const requestKey = `${req.method ?? ''} ${isToken ? '/v1/public/{project}/oauth2/token' : pathname}`;
      requests[requestKey] = (requests[requestKey] ?? 0) + 1;
      if (isToken) {
        const scope = scopeOf(body.toString('utf8'), req.headers['content-type']);
        tokens[scope] = (tokens[scope] ?? 0) + 1;
        for (const resource of resourcesOf(body.toString('utf8'), req.headers['content-type']))
          resources[resource] = (resources[resource] ?? 0) + 1;
      }
      if (!target) return stytchError(res, 503, 'counting_proxy_no_target', 'no upstream yet');
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
          const answerKey = `${req.method ?? ''} ${isToken ? 'token' : pathname} ${upstreamRes.statusCode ?? 0}`;
          answers[answerKey] = (answers[answerKey] ?? 0) + 1;
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      upstream.on('error', () => stytchError(res, 502, 'counting_proxy_upstream_error', 'auth-server unreachable'));
      upstream.end(body);
    });
  };

  const running = await listen(handler, 0, '127.0.0.1');
  return {
    url: running.url,
    tokenRequests: () => ({ ...tokens }),
    tokenRequestTotal: () => sum(tokens),
    tokenResources: () => ({ ...resources }),
    requests: () => ({ ...requests }),
    requestTotal: () => sum(requests),
    answers: () => ({ ...answers }),
    reset: () => {
      tokens = {};
      resources = {};
      requests = {};
      answers = {};
    },
    setMode: (next) => {
      mode = next;
      if (next !== 'hang') release();
    },
    setTokenMode: (next) => {
      tokenMode = next;
    },
    setTarget: (next) => {
      target = new URL(next);
    },
    close: async () => {
      release();
      running.server.closeAllConnections();
      await closeServer(running.server, 100);
      agent.destroy();
    },
  };
}
