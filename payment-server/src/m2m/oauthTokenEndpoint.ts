import type { TokenEndpoint } from './tokenProviderOptions.js';

/**
 * The TokenProvider's token requests against any OAuth 2.0 authorization server (RFC 6749 §4.4),
 * instead of a Stytch project through its SDK: found by RFC 8414 discovery from an issuer URL, or
 * given as a token endpoint URL. Plain `fetch`, no dependency; it has the shape of the SDK's one call
 * (`m2m.token`), so the provider's caching, single-flight, refresh-ahead and retries are unchanged.
 */
export type OAuthServer =
  | {
      /** The issuer (e.g. https://wallet.example.com): its /.well-known/oauth-authorization-server names the token endpoint. */
      issuer: string;
      tokenEndpoint?: never;
    }
  | {
      /** The token endpoint itself; client_secret_basic. */
      tokenEndpoint: string;
      issuer?: never;
    };

/** An HTTP error answer from the token endpoint or the metadata: `error` is RFC 6749's code when it sent one. */
export class OAuthAnswerError extends Error {
  override readonly name = 'OAuthAnswerError';

  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
    /** Its Retry-After, in seconds, when it sent one. */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(`${status} ${error}: ${description}`);
  }
}

/** No usable answer: unreachable, timed out, not JSON, or metadata that does not describe the issuer. */
export class OAuthTransportError extends Error {
  override readonly name = 'OAuthTransportError';

  constructor(
    message: string,
    /** Whether asking again can help (a network failure can heal; metadata of another issuer can't). */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

interface Endpoint {
  url: string;
  /** RFC 6749 §2.3.1's preferred method, unless the metadata lists only client_secret_post. */
  method: 'client_secret_basic' | 'client_secret_post';
}

/** Checks the option's shape: a TypeError naming the problem, at construction rather than at the first token. */
export function assertOAuthServer(server: unknown): asserts server is OAuthServer {
  const { issuer, tokenEndpoint } = (server ?? {}) as Record<string, unknown>;
  if ((issuer === undefined) === (tokenEndpoint === undefined)) {
    throw new TypeError('TokenProvider: oauth takes exactly one of issuer (RFC 8414 discovery) or tokenEndpoint');
  }
  const url = issuer ?? tokenEndpoint;
  const name = issuer !== undefined ? 'oauth.issuer' : 'oauth.tokenEndpoint';
  if (typeof url !== 'string' || !URL.canParse(url)) throw new TypeError(`TokenProvider: ${name} must be an absolute URL`);
  const { protocol, hostname, search, hash } = new URL(url);
  // The client secret travels to it: TLS, except to this machine (local development and tests).
  const loopback = hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
  if (protocol !== 'https:' && !(protocol === 'http:' && loopback)) {
    throw new TypeError(`TokenProvider: ${name} must be https (plain http only to localhost): the client secret is sent to it`);
  }
  if (issuer !== undefined && (search || hash)) throw new TypeError('TokenProvider: oauth.issuer has no query or fragment (RFC 8414 §2)');
}

/** A TokenEndpoint for `server`; discovery runs at the first token request, and again after a failed one. */
export function oauthTokenEndpoint(server: OAuthServer, timeoutMs: number): TokenEndpoint {
  let endpoint: Promise<Endpoint> | undefined;
  const resolve = (): Promise<Endpoint> => {
    if (server.tokenEndpoint !== undefined) return Promise.resolve({ url: server.tokenEndpoint, method: 'client_secret_basic' });
    endpoint ??= discover(server.issuer, timeoutMs).catch((err: unknown) => {
      endpoint = undefined;
      throw err;
    });
    return endpoint;
  };
  return {
    m2m: {
      async token({ client_id, client_secret, scopes }) {
        const { url, method } = await resolve();
        const form = new URLSearchParams({ grant_type: 'client_credentials' });
        if (scopes?.length) form.set('scope', scopes.join(' '));
        const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
        if (method === 'client_secret_basic') {
          // RFC 6749 §2.3.1: each part form-encoded, then base64.
          headers.Authorization = `Basic ${Buffer.from(`${formEncode(client_id)}:${formEncode(client_secret)}`).toString('base64')}`;
        } else {
          form.set('client_id', client_id);
          form.set('client_secret', client_secret);
        }
        const { status, body, retryAfterSeconds } = await request(url, { method: 'POST', headers, body: form.toString() }, timeoutMs);
        if (status !== 200) throw answerError(status, body, retryAfterSeconds);
        const { access_token, token_type, expires_in } = body;
        if (typeof access_token !== 'string' || typeof expires_in !== 'number') {
          throw new OAuthTransportError('the token endpoint answered 200 without access_token and expires_in', false);
        }
        return { access_token, token_type: typeof token_type === 'string' ? token_type : 'bearer', expires_in };
      },
    },
  };
}

/** RFC 8414 §3: the metadata's URL inserts the well-known path between the host and the issuer's path; its issuer must be ours. */
async function discover(issuer: string, timeoutMs: number): Promise<Endpoint> {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = `/.well-known/oauth-authorization-server${path}`;
  const { status, body, retryAfterSeconds } = await request(
    url.toString(),
    { method: 'GET', headers: { Accept: 'application/json' } },
    timeoutMs,
  );
  if (status !== 200) throw answerError(status, body, retryAfterSeconds);
  if (body.issuer !== issuer.replace(/\/+$/, '') && body.issuer !== issuer) {
    throw new OAuthTransportError(`the metadata at ${url.toString()} is of issuer ${JSON.stringify(body.issuer)}, not ${issuer}`, false);
  }
  if (typeof body.token_endpoint !== 'string' || !URL.canParse(body.token_endpoint)) {
    throw new OAuthTransportError(`the metadata of ${issuer} names no token_endpoint`, false);
  }
  const methods = body.token_endpoint_auth_methods_supported;
  const postOnly = Array.isArray(methods) && !methods.includes('client_secret_basic') && methods.includes('client_secret_post');
  return { url: body.token_endpoint, method: postOnly ? 'client_secret_post' : 'client_secret_basic' };
}

async function request(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ status: number; body: Record<string, unknown>; retryAfterSeconds: number | undefined }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    // fetch's own message ("fetch failed", "The operation was aborted due to timeout"): never the request, which holds the secret.
    const reason = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new OAuthTransportError(`${new URL(url).origin} can't be reached (${reason})`, true);
  }
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OAuthTransportError(
      `${new URL(url).origin} answered ${response.status} with a body that is not a JSON object`,
      response.status >= 500,
    );
  }
  const retryAfter = Number(response.headers.get('Retry-After'));
  return {
    status: response.status,
    body: body as Record<string, unknown>,
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 3600) : undefined,
  };
}

function answerError(status: number, body: Record<string, unknown>, retryAfterSeconds: number | undefined): OAuthAnswerError {
  const error = typeof body.error === 'string' ? body.error : 'error';
  const description = typeof body.error_description === 'string' ? body.error_description : 'no description';
  return new OAuthAnswerError(status, error, description, retryAfterSeconds);
}

/** application/x-www-form-urlencoded, as RFC 6749 Appendix B asks for Basic credentials. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
