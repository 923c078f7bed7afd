import http from 'node:http';

/** Small helpers over the global fetch: every answer is read fully, its JSON parsed when it is JSON. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  // Tests read fields freely; the shape is asserted by the test itself.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function request(
  method: string,
  url: string,
  options: {
    headers?: Record<string, string>;
    json?: unknown;
    body?: string | Buffer | URLSearchParams;
    timeoutMs?: number;
    /** 'manual' to see a redirect itself (its Set-Cookie) rather than where it leads. */
    redirect?: 'follow' | 'manual' | 'error';
  } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Buffer | URLSearchParams | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, {
    method,
    headers,
    ...(body !== undefined && { body }),
    ...(options.redirect && { redirect: options.redirect }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: the test reads `text` */
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

export const post = (url: string, json: unknown, headers: Record<string, string> = {}) => request('POST', url, { json, headers });
export const get = (url: string, headers: Record<string, string> = {}) => request('GET', url, { headers });

/** `Authorization: Basic base64(id:secret)`. */
export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

export const bearer = (token: string) => `Bearer ${token}`;

/** Joins a server's base URL (with a trailing slash) and a path. */
export function at(baseUrl: string, path: string): string {
  return new URL(path.replace(/^\//, ''), baseUrl).toString();
}

/** A request whose path goes on the wire exactly as given (no URL normalisation), e.g. broken %-encoding. */
export function rawRequest(
  baseUrl: string,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: rawPath, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}
