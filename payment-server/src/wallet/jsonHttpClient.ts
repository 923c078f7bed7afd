import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';

/** What a server answered: its status, its headers (names in lower case), and its body read as JSON. */
export interface JsonAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The parsed body; undefined when it is empty or not JSON (an HTML error page, say). */
  body: unknown;
}

/**
 * Why a request got no answer to interpret: the deadline passed, the connection failed (refused,
 * reset, DNS: `code` says which), the request could not be sent at all (a header value node:http
 * refuses: `not_sent`, nothing reached the server), or the answer was larger than `maxBodyBytes`.
 */
export class NoAnswerError extends Error {
  override readonly name = 'NoAnswerError';
  constructor(
    readonly kind: 'timeout' | 'network' | 'not_sent' | 'too_large',
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface JsonHttpClientOptions {
  /** http:// or https://, without a query or fragment; a path in it prefixes every request's path. */
  baseUrl: string;
  /** The deadline of a whole request, from the call (a free socket included) to the last byte of the answer. */
  timeoutMs: number;
  /** Keep-alive sockets per host. */
  maxSockets: number;
  /** Larger answers are refused (default 1 MiB); the wallet's are a few hundred bytes. */
  maxBodyBytes?: number;
}

export interface JsonHttpClient {
  /** POSTs `body` as JSON. Resolves with every status (they are the caller's to interpret). */
  post(path: string, body: unknown, headers: Record<string, string>): Promise<JsonAnswer>;
  /** Closes the keep-alive sockets. */
  close(): void;
}

/**
 * JSON over node:http with keep-alive sockets and a deadline per request, nothing more: no
 * redirects, no retries, no decompression, no proxy from HTTP_PROXY (the wallet is an internal
 * service). This is what the WalletClient needs from a client. It replaces axios, which cost the
 * caller about three times the CPU for each call (payment-server/README.md).
 */
export function createJsonHttpClient(options: JsonHttpClientOptions): JsonHttpClient {
  const base = new URL(options.baseUrl);
  const secure = base.protocol === 'https:';
  const agent = new (secure ? https : http).Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const send = secure ? https.request : http.request;
  // urlToHttpOptions, not base.hostname: it takes the brackets off an IPv6 address ([::1]).
  const { protocol, hostname, port } = urlToHttpOptions(base);
  const prefix = base.pathname.replace(/\/+$/, '');
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;

  return {
    post(path, body, headers) {
      const payload = Buffer.from(JSON.stringify(body));
      return new Promise<JsonAnswer>((resolve, reject) => {
        let settled = false;
        const settle = (outcome: () => void): void => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          outcome();
        };
        const fail = (err: NoAnswerError): void => settle(() => reject(err));
        let req: http.ClientRequest | undefined;
        const deadline = setTimeout(() => {
          fail(new NoAnswerError('timeout', 'ETIMEDOUT', `No answer to ${path} within ${options.timeoutMs} ms`));
          req?.destroy();
        }, options.timeoutMs);
        try {
          req = send(
            {
              protocol,
              hostname,
              port,
              path: `${prefix}${path}`,
              method: 'POST',
              agent,
              headers: {
                ...headers,
                accept: 'application/json',
                'content-type': 'application/json',
                'content-length': String(payload.length),
              },
            },
            (res) => {
              const chunks: Buffer[] = [];
              let size = 0;
              res.on('data', (chunk: Buffer) => {
                size += chunk.length;
                if (size <= maxBodyBytes) return void chunks.push(chunk);
                fail(new NoAnswerError('too_large', undefined, `The answer to ${path} is larger than ${maxBodyBytes} bytes`));
                req?.destroy();
              });
              res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseJson(chunks) })));
              // The connection dropped in the middle of the answer.
              res.on('close', () => {
                if (!res.complete) fail(networkError(path, { code: 'ECONNRESET' }));
              });
            },
          );
        } catch (err) {
          // node:http validates headers as it builds the request: nothing was sent.
          const { code, message } = err as { code?: string; message?: string };
          fail(new NoAnswerError('not_sent', code, `${path} could not be sent: ${message ?? code ?? 'invalid request'}`));
          return;
        }
        req.on('error', (err) => fail(networkError(path, err)));
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

function networkError(path: string, err: { code?: string; message?: string }): NoAnswerError {
  return new NoAnswerError('network', err.code, `${path} failed: ${err.code ?? err.message ?? 'connection error'}`);
}

/** The body as JSON when it parses (after a byte-order mark, if any); anything else is no body to read. */
function parseJson(chunks: Buffer[]): unknown {
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(
      Buffer.concat(chunks)
        .toString('utf8')
        .replace(/^\uFEFF/, ''),
    ) as unknown;
  } catch {
    return undefined;
  }
}
