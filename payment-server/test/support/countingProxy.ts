import http from 'node:http';
import { closeServer, listen } from '@m2m/shared';

/**
 * A tiny reverse proxy that counts what goes through it: token requests by scope set, and answers
 * by status. Real HTTP in front of a real server; `pause()` holds requests unanswered (a hung
 * server), `down()` refuses them as if the server were gone (502 with a non-JSON body would look
 * like a broken server, so `down` closes the socket instead).
 */
export interface CountingProxy {
  url: string;
  /** Token-endpoint requests by requested scope set (sorted, space-joined; '*' when none). */
  tokenRequests(): Record<string, number>;
  tokenRequestTotal(): number;
  /** Answers by "METHOD path status". */
  answers(): Record<string, number>;
  reset(): void;
  setMode(mode: 'forward' | 'hang' | 'drop'): void;
  /** Like setMode, for token-endpoint requests only (management calls and the JWKS keep being forwarded). */
  setTokenMode(mode: 'forward' | 'hang' | 'drop'): void;
  /** Points the proxy at its upstream; for when the upstream must know the proxy's URL first. */
  setTarget(targetUrl: string): void;
  close(): Promise<void>;
}

const TOKEN_PATH = /^\/v1\/public\/[^/]+\/oauth2\/token$/;

export async function startCountingProxy(targetUrl: string): Promise<CountingProxy> {
  let target = new URL(targetUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let tokens: Record<string, number> = {};
  let answers: Record<string, number> = {};
  let mode: 'forward' | 'hang' | 'drop' = 'forward';
  let tokenMode: 'forward' | 'hang' | 'drop' = 'forward';
  const hung = new Set<http.ServerResponse>();

  const running = await listen(
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const pathname = (req.url ?? '/').split('?')[0]!;
        if (mode === 'drop') return void req.socket.destroy();
        if (mode === 'hang') return void hung.add(res);
        if (tokenMode === 'drop' && TOKEN_PATH.test(pathname)) return void req.socket.destroy();
        if (tokenMode === 'hang' && TOKEN_PATH.test(pathname)) return void hung.add(res);
        if (TOKEN_PATH.test(pathname)) {
          const scope = (new URLSearchParams(body.toString('utf8')).get('scope') ?? '').split(' ').filter(Boolean).sort().join(' ') || '*';
          tokens[scope] = (tokens[scope] ?? 0) + 1;
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
          (up) => {
            const key = `${req.method} ${TOKEN_PATH.test(pathname) ? 'token' : pathname} ${up.statusCode}`;
            answers[key] = (answers[key] ?? 0) + 1;
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('error', () => req.socket.destroy());
        upstream.end(body);
      });
    },
    0,
    '127.0.0.1',
  );

  return {
    url: running.url,
    tokenRequests: () => ({ ...tokens }),
    tokenRequestTotal: () => Object.values(tokens).reduce((a, b) => a + b, 0),
    answers: () => ({ ...answers }),
    reset: () => {
      tokens = {};
      answers = {};
    },
    setMode: (next) => {
      mode = next;
      if (next !== 'hang') {
        for (const res of hung) res.socket?.destroy();
        hung.clear();
      }
    },
    setTokenMode: (next) => {
      tokenMode = next;
    },
    setTarget: (next) => {
      target = new URL(next);
    },
    close: async () => {
      for (const res of hung) res.socket?.destroy();
      running.server.closeAllConnections();
      await closeServer(running.server, 100);
      agent.destroy();
    },
  };
}
