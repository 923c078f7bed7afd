import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { closeServer, createStytchClient, listen, SCOPES } from '@m2m/shared';
import { TokenProvider } from '../src/m2m/tokenProvider';
import { TokenUnavailableError } from '../src/m2m/tokenErrors';
import type { CountingProxy } from '../../test/support/countingProxy';
import {
  bearerHeader,
  createCaller,
  createClient,
  pay,
  postPayment,
  projectOf,
  sdk,
  startAuthBehindProxy,
  startPayment,
  startWallet,
  tempDir,
  type TestClient,
} from './support/stack';

/**
 * A 429 from the auth server makes the whole provider back off for its Retry-After:
 * one token request, not one per payment. The real auth-server is driven into 429 (wrong secrets
 * for the client from this address); the provider's clock moves instead of the test sleeping.
 */
describe("TokenProvider under the auth server's rate limit", () => {
  let auth: RunningAuthServer;
  let proxy: CountingProxy;
  let wallet: RunningWalletServer;

  beforeAll(async () => {
    // Behind the proxy, its tokens name the proxy as issuer, so the payment-server accepts its callers' tokens.
    ({ auth, proxy } = await startAuthBehindProxy({ rateLimit: { perClientPerMinute: 3, perIpPerMinute: 1000 } }));
    wallet = await startWallet(auth);
  });
  afterAll(async () => {
    await wallet.close();
    await proxy.close();
    await auth.close();
  });
  afterEach(() => proxy.reset());

  /** Three wrong secrets for `client` from this address: its right secret now gets 429 for a minute. */
  async function lockOut(client: TestClient): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await expect(sdk(auth).m2m.token({ client_id: client.clientId, client_secret: `wrong-guess-${i}-abcdef` })).rejects.toMatchObject({
        status_code: 401,
      });
    }
  }

  const countRequests = () => Object.values(proxy.tokenRequests()).reduce((sum, n) => sum + n, 0);

  it('sends one token request, fails every caller fast with the Retry-After, and asks again once it has passed', async () => {
    const client = await createClient(auth);
    let now = Date.now();
    const tokens = new TokenProvider({
      stytch: createStytchClient(projectOf(auth, proxy.url)),
      credentials: client,
      retryBaseDelayMs: 1,
      now: () => now,
    });
    try {
      await lockOut(client);
      const first = await tokens.getToken([SCOPES.readUsers]).catch((err: unknown) => err);
      expect(first).toBeInstanceOf(TokenUnavailableError);
      expect(first).toMatchObject({ reason: 'auth_server_rate_limited', retryable: true, attempts: 1 });
      const retryAfter = (first as TokenUnavailableError).retryAfterSeconds!;
      expect(retryAfter).toBeGreaterThan(50); // the auth-server's Retry-After (its one-minute window), not a guess
      expect(retryAfter).toBeLessThanOrEqual(60);

      const during = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          tokens.getToken([i % 2 ? SCOPES.readUsers : SCOPES.writeWallets]).catch((err: unknown) => err),
        ),
      );
      expect(
        during.every((err) => err instanceof TokenUnavailableError && err.reason === 'auth_server_rate_limited' && err.attempts === 0),
      ).toBe(true);
      expect(countRequests()).toBe(1);

      // The back-off counts down on the provider's clock, and ends exactly when the auth server said.
      const backoffEnds = now + retryAfter * 1000;
      now = backoffEnds - 1;
      await expect(tokens.getToken([SCOPES.readUsers])).rejects.toMatchObject({ attempts: 0, retryAfterSeconds: 1 });
      expect(countRequests()).toBe(1);
      now = backoffEnds;
      await expect(tokens.getToken([SCOPES.readUsers])).rejects.toMatchObject({ reason: 'auth_server_rate_limited', attempts: 1 });
      expect(countRequests()).toBe(2);
    } finally {
      tokens.close();
    }
  });

  it('keeps serving a still-usable cached token while backing off', async () => {
    const client = await createClient(auth);
    const tokens = new TokenProvider({ stytch: createStytchClient(projectOf(auth, proxy.url)), credentials: client });
    try {
      const cached = await tokens.getToken([SCOPES.readUsers]);
      await lockOut(client);
      await expect(tokens.getToken([SCOPES.writeWallets])).rejects.toMatchObject({ reason: 'auth_server_rate_limited' });
      expect(await tokens.getToken([SCOPES.readUsers])).toBe(cached);
      await expect(tokens.getToken([SCOPES.writeWallets])).rejects.toMatchObject({ reason: 'auth_server_rate_limited', attempts: 0 });
      expect(countRequests()).toBe(2);
    } finally {
      tokens.close();
    }
  });

  it('payments answer 503 auth_server_rate_limited with Retry-After, and 20 payments cost one token request', async () => {
    const client = await createClient(auth);
    const caller = await createCaller(auth);
    const server = await startPayment({
      stytchProject: projectOf(auth, proxy.url),
      walletServerUrl: wallet.url,
      credentialsFile: `${tempDir('payment-server').dir}/credentials.json`,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
    });
    try {
      for (const scopes of [[SCOPES.readUsers], [SCOPES.writeWallets], [SCOPES.readUsers, SCOPES.writeWallets]])
        server.tokenProvider.invalidate(scopes);
      await lockOut(client);
      proxy.reset();
      const answers = [];
      for (let i = 0; i < 20; i++) answers.push(await postPayment(server.url, pay({ debitAmount: 1 }), bearerHeader(caller.token)));
      for (const answer of answers) {
        expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status: 503, code: 'auth_server_rate_limited' });
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect(countRequests()).toBe(1);
    } finally {
      await server.close();
    }
  });
});

/**
 * Stytch itself sends no retry_after_seconds in the body (and the SDK drops the Retry-After header):
 * the provider then backs off for rateLimitBackoffSeconds. The local auth-server always says how
 * long, so this token endpoint is a stand-in answering 429 as Stytch does, over real HTTP.
 */
describe('TokenProvider after a 429 that does not say how long to wait', () => {
  it('backs off for rateLimitBackoffSeconds on its own clock, then asks again', async () => {
    let answered = 0;
    const endpoint = await listen(
      (_req, res) => {
        answered++;
        const body = { status_code: 429, request_id: 'request-id-429', error: 'too_many_requests', error_description: 'Too many requests' };
        res.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
      0,
      '127.0.0.1',
    );
    let now = Date.now();
    const tokens = new TokenProvider({
      stytch: createStytchClient({ projectId: 'project-test-429', secret: 'secret-test-429', baseUrl: endpoint.url }),
      credentials: { clientId: 'm2m-client-test-429', clientSecret: 'client-secret-test-429' },
      rateLimitBackoffSeconds: 7,
      now: () => now,
    });
    try {
      await expect(tokens.getToken([SCOPES.readUsers])).rejects.toMatchObject({
        reason: 'auth_server_rate_limited',
        attempts: 1,
        retryAfterSeconds: 7,
      });
      now += 6_999;
      await expect(tokens.getToken([SCOPES.writeWallets])).rejects.toMatchObject({ attempts: 0, retryAfterSeconds: 1 });
      expect(answered).toBe(1);
      now += 1;
      await expect(tokens.getToken([SCOPES.readUsers])).rejects.toMatchObject({ reason: 'auth_server_rate_limited', attempts: 1 });
      expect(answered).toBe(2);
    } finally {
      tokens.close();
      await closeServer(endpoint.server);
    }
  });
});
