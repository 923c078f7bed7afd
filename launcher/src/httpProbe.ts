import http from 'node:http';

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/**
 * One GET, answered 2xx or not. node:http rather than fetch: fetch refuses the ports on the Fetch
 * standard's blocked list (6000, 6665-6669, ...), and a port is the user's choice. The reason of a
 * failure (ECONNREFUSED, HTTP 503, a timeout) is kept so a stack that never gets ready can say why.
 */
export function httpProbe(url: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 300 ? { ok: true } : { ok: false, reason: `HTTP ${status}` });
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, reason: err.code ?? err.message }));
  });
}
