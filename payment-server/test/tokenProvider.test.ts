import { setTimeout as delay } from 'node:timers/promises';
import type { RunningAuthServer } from '@m2m/auth-server';
import { createStytchClient, SCOPES } from '@m2m/shared';
import { TokenProvider, tokenTimes, type TokenProviderOptions, type TokenProviderTuning } from '../src/m2m/tokenProvider';
import { TokenUnavailableError } from '../src/m2m/tokenErrors';
import { eventually } from '../../test/support/eventually';
import { startCountingProxy, type CountingProxy } from '../../test/support/countingProxy';
import { claimsOf, createClient, projectOf, startAuth, type TestClient } from './support/stack';

// The TokenProvider alone, against the real auth-server through a counting proxy (real HTTP, the real SDK).
describe('TokenProvider', () => {
  let auth: RunningAuthServer;
  let proxy: CountingProxy;
  let client: TestClient;
  const providers: TokenProvider[] = [];

  const provider = (tuning: TokenProviderTuning = {}, credentials = client) => {
    const p = new TokenProvider({
      stytch: createStytchClient(projectOf(auth, proxy.url)),
      credentials: { clientId: credentials.clientId, clientSecret: credentials.clientSecret },
      retryBaseDelayMs: 10,
      retryMaxDelayMs: 50,
      ...tuning,
    });
    providers.push(p);
    return p;
  };

  beforeAll(async () => {
    auth = await startAuth();
    proxy = await startCountingProxy(auth.url);
    client = await createClient(auth);
  });
  beforeEach(() => proxy.setMode('forward'));
  afterEach(() => {
    proxy.reset();
    for (const p of providers.splice(0)) p.close();
  });
  afterAll(async () => {
    await proxy.close();
    await auth.close();
  });

  it('answers 100 concurrent cold callers with one token request per scope set', async () => {
    const tokens = provider();
    const calls = Array.from({ length: 100 }, (_, i) => tokens.getToken(i % 2 ? [SCOPES.readUsers] : [SCOPES.writeWallets]));
    const got = await Promise.all(calls);

    expect(proxy.tokenRequests()).toEqual({ 'read:users': 1, 'write:wallets': 1 });
    expect(new Set(got).size).toBe(2);
    expect(claimsOf(got[1]!).scope).toBe('read:users');
    expect(claimsOf(got[0]!).scope).toBe('write:wallets');
  });

  it('shares one token between callers that list the same scopes in another order', async () => {
    const tokens = provider();
    const a = await tokens.getToken([SCOPES.readUsers, SCOPES.writeWallets]);
    const b = await tokens.getToken([SCOPES.writeWallets, SCOPES.readUsers, SCOPES.readUsers]);
    expect(b).toBe(a);
    expect(proxy.tokenRequestTotal()).toBe(1);
  });

  it('makes no request while the cached token is fresh', async () => {
    const tokens = provider();
    await tokens.getToken([SCOPES.readUsers]);
    for (let i = 0; i < 50; i++) await tokens.getToken([SCOPES.readUsers]);
    expect(proxy.tokenRequestTotal()).toBe(1);
    expect(tokens.stats()).toMatchObject({ tokenRequests: 1, cacheHits: 50 });
  });

  it('fails at once with a non-retryable invalid_client error for a wrong secret', async () => {
    const tokens = provider({}, { clientId: client.clientId, clientSecret: 'wrong-secret-0123456789' });
    const err = await tokens.getToken([SCOPES.readUsers]).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(TokenUnavailableError);
    expect(err).toMatchObject({ reason: 'invalid_client', retryable: false, attempts: 1 });
    expect((err as Error).message).not.toContain('wrong-secret');
    expect(proxy.tokenRequestTotal()).toBe(1);
  });

  it('fails with invalid_scope, not retried, for a scope the client does not have', async () => {
    const err = await provider()
      .getToken(['admin:everything'])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TokenUnavailableError', reason: 'invalid_scope', retryable: false });
    expect(proxy.tokenRequestTotal()).toBe(1);
  });

  it('retries an unreachable auth server with backoff, then reports it as retryable', async () => {
    proxy.setMode('drop');
    const err = await provider({ maxAttempts: 3 })
      .getToken([SCOPES.readUsers])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenUnavailableError);
    expect(err).toMatchObject({ reason: 'auth_server_unreachable', retryable: true, attempts: 3 });
  });

  it('gives up on a hung auth server after its request timeout', async () => {
    proxy.setMode('hang');
    const err = await provider({ maxAttempts: 2, requestTimeoutMs: 50 })
      .getToken([SCOPES.readUsers])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'auth_server_timeout', retryable: true, attempts: 2 });
  });

  it('recovers when the auth server comes back during the retries', async () => {
    proxy.setMode('drop');
    const tokens = provider({ maxAttempts: 8, retryBaseDelayMs: 100, retryMaxDelayMs: 100 });
    const pending = tokens.getToken([SCOPES.readUsers]);
    await delay(150);
    proxy.setMode('forward');
    await expect(pending).resolves.toEqual(expect.any(String));
  });

  it('keeps serving a still-valid cached token while the auth server is down', async () => {
    const tokens = provider();
    const token = await tokens.getToken([SCOPES.readUsers]);
    proxy.setMode('drop');

    await expect(tokens.getToken([SCOPES.readUsers])).resolves.toBe(token);
    // A scope set with nothing cached has nothing to fall back on.
    await expect(tokens.getToken([SCOPES.writeWallets])).rejects.toMatchObject({ reason: 'auth_server_unreachable' });
  });

  it('invalidate drops the rejected token only, so concurrent 401s cause one new token', async () => {
    const tokens = provider();
    const first = await tokens.getToken([SCOPES.readUsers]);
    expect(tokens.invalidate([SCOPES.readUsers], first)).toBe(true);
    const second = await tokens.getToken([SCOPES.readUsers]);
    expect(second).not.toBe(first);
    // A late 401 for the first token must not throw away the second.
    expect(tokens.invalidate([SCOPES.readUsers], first)).toBe(false);
    await expect(tokens.getToken([SCOPES.readUsers])).resolves.toBe(second);
    expect(proxy.tokenRequestTotal()).toBe(2);
  });

  it('switches to new credentials without dropping tokens of the same client', async () => {
    const other = await createClient(auth, [SCOPES.readUsers], 'another-service');
    const tokens = provider();
    const before = await tokens.getToken([SCOPES.readUsers]);

    tokens.setCredentials({ clientId: other.clientId, clientSecret: other.clientSecret });
    const after = await tokens.getToken([SCOPES.readUsers]);
    expect(claimsOf(after).sub).toBe(other.clientId);
    expect(after).not.toBe(before);

    tokens.setCredentials({ clientId: other.clientId, clientSecret: other.clientSecret });
    await expect(tokens.getToken([SCOPES.readUsers])).resolves.toBe(after);
  });
});

/**
 * Refresh ahead of expiry, on the provider's own clock (`now`), moved by the test instead of waited
 * for: hour-long tokens from the real auth-server, the moments computed by tokenTimes.
 */
describe('TokenProvider refresh ahead of expiry', () => {
  let auth: RunningAuthServer;
  let proxy: CountingProxy;
  let client: TestClient;
  const providers: TokenProvider[] = [];
  const margins = { refreshMarginSeconds: 60, refreshMarginRatio: 0.1, minRemainingSeconds: 15 };

  /** A provider on a clock that moves only when the test says, with its first read:users token. */
  async function withToken(tuning: TokenProviderTuning & Pick<TokenProviderOptions, 'logger'> = {}) {
    const clock = { now: Date.now() };
    const tokens = new TokenProvider({
      stytch: createStytchClient(projectOf(auth, proxy.url)),
      credentials: client,
      retryBaseDelayMs: 10,
      retryMaxDelayMs: 50,
      ...tuning,
      now: () => clock.now,
    });
    providers.push(tokens);
    const sentAt = clock.now;
    const first = await tokens.getToken([SCOPES.readUsers]);
    return { tokens, clock, first, times: tokenTimes(claimsOf(first).exp - claimsOf(first).iat, sentAt, margins) };
  }
  const readUsers = (tokens: TokenProvider) => tokens.getToken([SCOPES.readUsers]);

  beforeAll(async () => {
    auth = await startAuth();
    proxy = await startCountingProxy(auth.url);
    client = await createClient(auth);
  });
  beforeEach(() => proxy.setMode('forward'));
  afterEach(() => {
    proxy.reset();
    for (const p of providers.splice(0)) p.close();
  });
  afterAll(async () => {
    await proxy.close();
    await auth.close();
  });

  it('serves the cached token until refreshAt; from then on still serves it at once and fetches the next in ONE background refresh', async () => {
    const { tokens, clock, first, times } = await withToken();

    clock.now = times.refreshAt - 1;
    expect(await readUsers(tokens)).toBe(first);
    expect(tokens.stats()).toMatchObject({ tokenRequests: 1, refreshesAhead: 0 });

    clock.now = times.refreshAt;
    expect(await Promise.all([readUsers(tokens), readUsers(tokens), readUsers(tokens)])).toEqual([first, first, first]);
    expect(tokens.stats().refreshesAhead).toBe(1);
    await eventually(async () => expect(await readUsers(tokens)).not.toBe(first), { intervalMs: 10 });
    expect(proxy.tokenRequests()).toEqual({ 'read:users': 2 });
    expect(tokens.stats()).toMatchObject({ tokenRequests: 2, refreshesAhead: 1 });
  });

  it("never hands out a token with less than minRemainingSeconds left, by the token's own exp", async () => {
    const { tokens, clock, first, times } = await withToken({ maxAttempts: 1 });
    proxy.setMode('drop');

    clock.now = times.usableUntil - 1;
    expect(await readUsers(tokens)).toBe(first);
    // Our clock started with the request, so this is what the token really had left (its exp is the auth server's).
    expect(claimsOf(first).exp * 1000 - clock.now).toBeGreaterThanOrEqual(margins.minRemainingSeconds * 1000);

    clock.now = times.usableUntil;
    await expect(readUsers(tokens)).rejects.toMatchObject({ name: 'TokenUnavailableError', reason: 'auth_server_unreachable' });
  });

  it('after a failed background refresh, keeps serving the cached token and tries again retryMaxDelayMs later', async () => {
    let refreshFailed!: () => void;
    const failed = new Promise<void>((resolve) => (refreshFailed = resolve));
    const logger = {
      debug: () => {},
      warn: (_details: object, message: string) => {
        if (message.startsWith('M2M token refresh failed')) refreshFailed();
      },
    };
    const { tokens, clock, first, times } = await withToken({ maxAttempts: 1, retryMaxDelayMs: 50, logger });
    proxy.setMode('drop');

    clock.now = times.refreshAt;
    expect(await readUsers(tokens)).toBe(first);
    await failed;

    clock.now = times.refreshAt + 49;
    expect(await readUsers(tokens)).toBe(first);
    expect(tokens.stats()).toMatchObject({ refreshesAhead: 1, tokenRequests: 2, failedTokenRequests: 1 });

    proxy.setMode('forward');
    clock.now = times.refreshAt + 50;
    expect(await readUsers(tokens)).toBe(first);
    expect(tokens.stats().refreshesAhead).toBe(2);
    await eventually(async () => expect(await readUsers(tokens)).not.toBe(first), { intervalMs: 10 });
  });
});
