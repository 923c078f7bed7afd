import http from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * A lean keep-alive HTTP client for the loops the bench drives itself (feeding 100,000 tokens):
 * node:http with a pooled agent costs far less CPU per request than fetch, and on 2 cores every
 * cycle the bench spends is one the servers under test do not get.
 */
export function createKeepAliveClient(maxSockets = 64) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    request(url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
      return new Promise((resolve, reject) => {
        const target = new URL(url);
        const payload = body === undefined ? undefined : Buffer.from(body);
        const req = http.request(
          {
            host: target.hostname,
            port: target.port,
            path: `${target.pathname}${target.search}`,
            method,
            agent,
            headers: payload ? { ...headers, 'content-length': String(payload.length) } : headers,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}

export type KeepAliveClient = ReturnType<typeof createKeepAliveClient>;
