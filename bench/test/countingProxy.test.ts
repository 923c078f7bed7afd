import { startAuthServer, type RunningAuthServer } from '@m2m/auth-server';
import { createStytchClient } from '@m2m/shared';
import { tutorialTokenCache } from '../baselines/tutorialTokenCache';
import { startCountingProxy, type CountingProxy } from '../../test/support/countingProxy';

/**
 * The bench's one judged figure is a count taken by the counting proxy, and scenario 2's baseline
 * is the tutorial's cache: both must be right for the comparison to mean anything.
 */
describe('counting proxy in front of a real auth-server', () => {
  let auth: RunningAuthServer;
  let proxy: CountingProxy;
  let client: { client_id: string; client_secret: string };

  beforeAll(async () => {
    proxy = await startCountingProxy();
    auth = await startAuthServer({ port: 0, publicUrl: proxy.url });
    proxy.setTarget(auth.url);
    const sdk = createStytchClient({ projectId: auth.projectId, secret: auth.projectSecret, baseUrl: proxy.url });
    const { m2m_client } = await sdk.m2m.clients.create({ scopes: ['read:users', 'write:wallets'] });
    client = { client_id: m2m_client.client_id, client_secret: m2m_client.client_secret };
  });

  afterAll(async () => {
    await proxy.close();
    await auth.close();
  });

  beforeEach(() => proxy.reset());

  it('forwards token requests untouched and counts them by requested scope set, form or JSON', async () => {
    const tokenUrl = new URL(`/v1/public/${auth.projectId}/oauth2/token`, proxy.url);
    const form = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...client, scope: 'write:wallets read:users' }),
    });
    expect(form.status).toBe(200);
    expect(((await form.json()) as { access_token?: string }).access_token).toEqual(expect.any(String));
    const json = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', ...client, scope: 'read:users' }),
    });
    expect(json.status).toBe(200);
    const refused = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: client.client_id,
        client_secret: 'wrong-secret',
        scope: 'read:users',
      }),
    });
    expect(refused.status).toBe(401);

    expect(proxy.tokenRequests()).toEqual({ 'read:users write:wallets': 1, 'read:users': 2 });
    expect(proxy.requests()).toEqual({ 'POST /v1/public/{project}/oauth2/token': 3 });
  });

  it("shows the tutorial's cache fetching one token per concurrent cold caller, then serving from cache", async () => {
    const sdk = createStytchClient({ projectId: auth.projectId, secret: auth.projectSecret, baseUrl: proxy.url });
    const getToken = tutorialTokenCache(sdk, client.client_id, client.client_secret);

    const tokens = await Promise.all(Array.from({ length: 20 }, () => getToken(['read:users'])));
    expect(new Set(tokens).size).toBe(20);
    expect(proxy.tokenRequests()).toEqual({ 'read:users': 20 });

    await getToken(['read:users']);
    expect(proxy.tokenRequests()).toEqual({ 'read:users': 20 });
  });

  it('answers 503 before it has a target, and 502 when the target is gone', async () => {
    const idle = await startCountingProxy();
    try {
      expect((await fetch(new URL('/anything', idle.url))).status).toBe(503);
      idle.setTarget('http://127.0.0.1:1/');
      expect((await fetch(new URL('/anything', idle.url))).status).toBe(502);
      expect(idle.requestTotal()).toBe(2);
    } finally {
      await idle.close();
    }
  });
});
