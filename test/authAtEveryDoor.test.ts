/**
 * Auth at every door. Every admin route of the payment-server without a key or
 * with a wrong one → 401; every management route of the auth-server without or with wrong project
 * credentials → 401; the wallet's routes without a token → 401 (and a token without the scope → 403);
 * repeated wrong secrets at the token endpoint (and at the management API) → 429. Each refusal
 * leaves the state as it was.
 */
import path from 'node:path';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningPaymentServer } from '@m2m/payment-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { at, basic, bearer, get, post, request, type HttpAnswer } from './support/http';
import {
  accessToken,
  ADMIN_API_KEY,
  createM2MClient,
  JANE,
  JOHN,
  sdk,
  startAuth,
  startPayment,
  startWallet,
  tempDir,
  type M2MCredentials,
  closeAll,
  projectOf,
} from './support/stack';

const tmp = tempDir('doors');
let auth: RunningAuthServer;
let otherAuth: RunningAuthServer;
let wallet: RunningWalletServer;
let payment: RunningPaymentServer;
let victim: M2MCredentials;

beforeAll(async () => {
  // High limits here: this server takes many deliberate failures; the rate-limit tests use their own servers.
  auth = await startAuth({
    databaseFile: path.join(tmp.dir, 'auth.db'),
    rateLimit: { perClientPerMinute: 10_000, perIpPerMinute: 10_000 },
  });
  otherAuth = await startAuth();
  wallet = await startWallet(auth, { databaseFile: path.join(tmp.dir, 'wallet.db') });
  payment = await startPayment({
    stytchProject: projectOf(auth),
    walletServerUrl: wallet.url,
    credentialsFile: path.join(tmp.dir, 'payment-credentials.json'),
  });
  victim = await createM2MClient(sdk(auth), ['read:users'], 'victim');
});

afterAll(async () => {
  await closeAll(payment, wallet, auth, otherAuth);
  tmp.remove();
});

describe('auth-server management API: project Basic credentials required', () => {
  const routes = (): [string, string, unknown][] => [
    ['POST', '/v1/m2m/clients', { scopes: ['read:users'], client_name: 'intruder' }],
    ['POST', '/v1/m2m/clients/search', {}],
    ['GET', `/v1/m2m/clients/${victim.clientId}`, undefined],
    ['PUT', `/v1/m2m/clients/${victim.clientId}`, { status: 'inactive', scopes: ['write:wallets'] }],
    ['DELETE', `/v1/m2m/clients/${victim.clientId}`, undefined],
    ['POST', `/v1/m2m/clients/${victim.clientId}/secrets/rotate/start`, {}],
    ['POST', `/v1/m2m/clients/${victim.clientId}/secrets/rotate/cancel`, {}],
    ['POST', `/v1/m2m/clients/${victim.clientId}/secrets/rotate`, {}],
    ['POST', '/v1/local/signing-keys/rotate', {}],
    ['GET', '/v1/local/m2m/custom-claims-template', undefined],
    ['PUT', '/v1/local/m2m/custom-claims-template', { tier: '{{ client.trusted_metadata.tier }}' }],
  ];
  const credentials = (): [string, string | undefined][] => [
    ['no Authorization header', undefined],
    ['the right project id with a wrong secret', basic(auth.projectId, `${auth.projectSecret}x`)],
    ['another project id with the right secret', basic(otherAuth.projectId, auth.projectSecret)],
    ["another project's own valid credentials", basic(otherAuth.projectId, otherAuth.projectSecret)],
    ['the project secret as a Bearer token', bearer(auth.projectSecret)],
    ['Basic that is not base64', 'Basic %%%not-base64%%%'],
    ['Basic without a colon', `Basic ${Buffer.from(auth.projectId).toString('base64')}`],
    ['Basic with an empty secret', basic(auth.projectId, '')],
    ['a client secret instead of the project secret', basic(victim.clientId, victim.clientSecret)],
  ];

  async function snapshot() {
    const { m2m_client } = await sdk(auth).m2m.clients.get({ client_id: victim.clientId });
    const search = await sdk(auth).m2m.clients.search({});
    const jwks = await get(at(auth.url, `/v1/sessions/jwks/${auth.projectId}`));
    const template = await get(at(auth.url, '/v1/local/m2m/custom-claims-template'), {
      Authorization: basic(auth.projectId, auth.projectSecret),
    });
    return {
      client: { status: m2m_client.status, scopes: m2m_client.scopes, next: m2m_client.next_client_secret_last_four },
      clients: search.results_metadata.total,
      kids: (jwks.body.keys as { kid: string }[]).map((k) => k.kid),
      template: template.body.custom_claims_template,
    };
  }

  it('every route × every bad credential → 401 unauthorized_credentials with a Basic challenge, state unchanged', async () => {
    const before = await snapshot();
    const failures: string[] = [];
    for (const [method, route, body] of routes()) {
      for (const [label, authorization] of credentials()) {
        const answer = await request(method, at(auth.url, route), {
          headers: authorization === undefined ? {} : { Authorization: authorization },
          ...(body !== undefined && { json: body }),
        });
        const ok =
          answer.status === 401 &&
          answer.body?.error_type === 'unauthorized_credentials' &&
          /^Basic /.test(answer.headers.get('www-authenticate') ?? '') &&
          !answer.text.includes(auth.projectSecret);
        if (!ok) failures.push(`${method} ${route} with ${label}: ${answer.status} ${answer.text.slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('the right credentials open the same doors (so the 401s above are about credentials)', async () => {
    const answer = await get(at(auth.url, `/v1/m2m/clients/${victim.clientId}`), {
      Authorization: basic(auth.projectId, auth.projectSecret),
    });
    expect(answer.status).toBe(200);
    expect(answer.body.m2m_client.client_id).toBe(victim.clientId);
  });

  it('the public routes stay public: token endpoint (with client credentials), JWKS, discovery, health', async () => {
    expect((await get(at(auth.url, `/v1/sessions/jwks/${auth.projectId}`))).status).toBe(200);
    expect((await get(at(auth.url, '/.well-known/oauth-authorization-server'))).status).toBe(200);
    expect((await get(at(auth.url, '/readyz'))).status).toBe(200);
    expect(await accessToken(sdk(auth), victim)).toMatch(/^ey/);
  });
});

describe('token endpoint: client authentication', () => {
  const tokenUrl = () => at(auth.url, `/v1/public/${auth.projectId}/oauth2/token`);
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  it.each<[string, () => { headers?: Record<string, string>; body: string }]>([
    [
      'a wrong secret',
      () => ({ body: form({ grant_type: 'client_credentials', client_id: victim.clientId, client_secret: 'wrong-secret-1234567890' }) }),
    ],
    [
      'an unknown client',
      () => ({ body: form({ grant_type: 'client_credentials', client_id: 'm2m-client-test-nobody', client_secret: victim.clientSecret }) }),
    ],
    ['no secret', () => ({ body: form({ grant_type: 'client_credentials', client_id: victim.clientId }) })],
    [
      'the project secret as the client secret',
      () => ({ body: form({ grant_type: 'client_credentials', client_id: victim.clientId, client_secret: auth.projectSecret }) }),
    ],
    [
      'Basic with a wrong secret',
      () => ({ headers: { Authorization: basic(victim.clientId, 'nope-nope-nope') }, body: form({ grant_type: 'client_credentials' }) }),
    ],
  ])('%s → 401 invalid_client, no token', async (_label, make) => {
    const { headers = {}, body } = make();
    const answer = await request('POST', tokenUrl(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('invalid_client');
    expect(answer.body.access_token).toBeUndefined();
  });
});

describe('wallet-server routes: an M2M token required', () => {
  it.each([
    ['/api/check-balance', { customerId: JOHN.customerId }],
    ['/api/debit', { customerId: JOHN.customerId, amount: 1, destinationWalletId: JANE.walletId }],
    ['/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' }],
    ['/tenant/m2m/clients', { scopes: ['read:users'] }],
    ['/tenant/m2m/clients/m2m-client-test-x/secrets/rotate/start', {}],
  ])('%s without a token → 401 with a Bearer challenge', async (route, body) => {
    const answer = await post(at(wallet.url, route), body, { 'Idempotency-Key': 'door-test' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
  });

  it.each([
    ['GET', '/tenant/m2m/clients'],
    ['DELETE', '/tenant/m2m/clients/m2m-client-test-x'],
  ])('%s %s without a token → 401; with a token lacking manage:credentials → 403', async (method, route) => {
    expect((await request(method, at(wallet.url, route))).status).toBe(401);
    const token = await accessToken(sdk(auth), victim);
    const answer = await request(method, at(wallet.url, route), { headers: { Authorization: bearer(token) } });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toContain('scope="manage:credentials"');
  });

  it('a read:users token at /api/debit → 403 insufficient_scope naming write:wallets, nothing debited', async () => {
    const before = (await wallet.wallets.findByCustomer(JOHN.customerId))!.balance;
    const token = await accessToken(sdk(auth), victim);
    const answer = await post(
      at(wallet.url, '/api/debit'),
      { customerId: JOHN.customerId, amount: 1, destinationWalletId: JANE.walletId },
      {
        Authorization: bearer(token),
        'Idempotency-Key': 'door-scope',
      },
    );
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(answer.headers.get('www-authenticate')).toContain('scope="write:wallets"');
    expect((await wallet.wallets.findByCustomer(JOHN.customerId))!.balance).toBe(before);
  });
});

describe('payment-server admin routes: Authorization: Bearer <ADMIN_API_KEY> required', () => {
  const routes = (): [string, string, unknown][] => [
    ['POST', '/admin/m2m/secret-rotation', {}],
    ['POST', '/admin/m2m/secret-rotation/start', {}],
    ['POST', '/admin/m2m/secret-rotation/complete', {}],
    ['POST', '/admin/m2m/secret-rotation/cancel', {}],
    ['POST', '/admin/m2m/clients/search', {}],
    ['POST', '/admin/m2m/clients', { scopes: ['write:wallets'], client_name: 'intruder' }],
    ['GET', `/admin/m2m/clients/${victim.clientId}`, undefined],
    ['PUT', `/admin/m2m/clients/${victim.clientId}`, { scopes: ['write:wallets'] }],
    ['DELETE', `/admin/m2m/clients/${victim.clientId}`, undefined],
    ['POST', '/admin/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' }],
    // A route that does not exist is refused the same way: an intruder learns nothing about which exist.
    ['GET', '/admin/does-not-exist', undefined],
  ];
  const keys = (): [string, Record<string, string>, string?][] => [
    ['no Authorization header', {}],
    ['a wrong key', { Authorization: bearer('x'.repeat(ADMIN_API_KEY.length)) }],
    ['the key minus its last character', { Authorization: bearer(ADMIN_API_KEY.slice(0, -1)) }],
    ['the key plus one character', { Authorization: bearer(`${ADMIN_API_KEY}x`) }],
    ['the key as Basic credentials', { Authorization: basic('admin', ADMIN_API_KEY) }],
    ['the key with no scheme', { Authorization: ADMIN_API_KEY }],
    ['the key in another header', { 'X-Admin-Key': ADMIN_API_KEY, 'X-Api-Key': ADMIN_API_KEY }],
    ['the key in the query string', {}, `?key=${ADMIN_API_KEY}&admin_api_key=${ADMIN_API_KEY}`],
    ["the project's secret", { Authorization: bearer(auth.projectSecret) }],
    ['an M2M access token', { Authorization: bearer('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln') }],
  ];

  async function snapshot() {
    const { m2m_client: own } = await sdk(auth).m2m.clients.get({ client_id: payment.clientId });
    const { m2m_client: other } = await sdk(auth).m2m.clients.get({ client_id: victim.clientId });
    const search = await sdk(auth).m2m.clients.search({});
    return {
      own: { last: own.client_secret_last_four, next: own.next_client_secret_last_four, status: own.status },
      victim: { status: other.status, scopes: other.scopes },
      clients: search.results_metadata.total,
    };
  }

  it('every admin route × every bad key → 401 with a Bearer challenge, state unchanged', async () => {
    const before = await snapshot();
    const failures: string[] = [];
    for (const [method, route, body] of routes()) {
      for (const [label, headers, query = ''] of keys()) {
        const answer: HttpAnswer = await request(method, at(payment.url, route) + query, {
          headers,
          ...(body !== undefined && { json: body }),
        });
        const ok =
          answer.status === 401 &&
          answer.body?.error?.code === 'unauthorized' &&
          /^Bearer /.test(answer.headers.get('www-authenticate') ?? '');
        if (!ok) failures.push(`${method} ${route} with ${label}: ${answer.status} ${answer.text.slice(0, 160)}`);
        if (answer.text.includes(ADMIN_API_KEY)) failures.push(`${method} ${route} with ${label}: the key is echoed`);
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('the right key opens them (so the 401s above are about the key)', async () => {
    const answer = await get(at(payment.url, `/admin/m2m/clients/${victim.clientId}`), { Authorization: bearer(ADMIN_API_KEY) });
    expect(answer.status).toBe(200);
    expect(answer.body.m2m_client.client_id).toBe(victim.clientId);
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });
});

describe('brute force is rate-limited', () => {
  it('repeated wrong secrets for one client → 429 with Retry-After; even the right secret waits; another client is unaffected', async () => {
    const limited = await startAuth({ rateLimit: { perClientPerMinute: 5, perIpPerMinute: 1000 } });
    try {
      const admin = sdk(limited);
      const target = await createM2MClient(admin, ['read:users']);
      const bystander = await createM2MClient(admin, ['read:users']);
      const tokenUrl = at(limited.url, `/v1/public/${limited.projectId}/oauth2/token`);
      const attempt = (clientId: string, secret: string) =>
        request('POST', tokenUrl, {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }).toString(),
        });

      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await attempt(target.clientId, `guess-number-${i}-abcdef`)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);

      const locked = await attempt(target.clientId, target.clientSecret);
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(locked.body.access_token).toBeUndefined();

      expect((await attempt(bystander.clientId, bystander.clientSecret)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('successful token requests are never limited: 40 in a row with a limit of 5 failures', async () => {
    const limited = await startAuth({ rateLimit: { perClientPerMinute: 5, perIpPerMinute: 5 } });
    try {
      const client = await createM2MClient(sdk(limited), ['read:users']);
      const statuses = await Promise.all(
        Array.from({ length: 40 }, () =>
          accessToken(sdk(limited), client).then(
            () => 200,
            (err: unknown) => (err as { status_code?: number }).status_code ?? 0,
          ),
        ),
      );
      expect(new Set(statuses)).toEqual(new Set([200]));
    } finally {
      await limited.close();
    }
  });

  it("unknown client ids and wrong project secrets from one IP each have their own budget, and spend no one else's", async () => {
    const limited = await startAuth({ rateLimit: { perClientPerMinute: 1000, perIpPerMinute: 3 } });
    try {
      const client = await createM2MClient(sdk(limited), ['read:users']);
      const tokenUrl = at(limited.url, `/v1/public/${limited.projectId}/oauth2/token`);
      const spray = (i: number) =>
        request('POST', tokenUrl, {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: `m2m-client-test-spray-${i}`,
            client_secret: 'sprayed-secret-123456',
          }).toString(),
        });
      const sprayed: number[] = [];
      for (let i = 0; i < 5; i++) sprayed.push((await spray(i)).status);
      expect(sprayed).toEqual([401, 401, 401, 429, 429]);
      // A known client and the project credentials are untouched by the spray of unknown ids.
      expect(await accessToken(sdk(limited), client)).toBeTruthy();
      expect(
        (await post(at(limited.url, '/v1/m2m/clients/search'), {}, { Authorization: basic(limited.projectId, limited.projectSecret) }))
          .status,
      ).toBe(200);

      const management: number[] = [];
      for (let i = 0; i < 4; i++)
        management.push(
          (await post(at(limited.url, '/v1/m2m/clients/search'), {}, { Authorization: basic(limited.projectId, `wrong-${i}`) })).status,
        );
      expect(management).toEqual([401, 401, 401, 429]);
      // The same address, having guessed wrong 3 times, waits even with the right secret (else the limit would tell right from wrong).
      const answer = await post(
        at(limited.url, '/v1/m2m/clients/search'),
        {},
        { Authorization: basic(limited.projectId, limited.projectSecret) },
      );
      expect(answer.status).toBe(429);
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      // ...while its clients' token requests are a separate budget.
      expect(await accessToken(sdk(limited), client)).toBeTruthy();
    } finally {
      await limited.close();
    }
  });

  it("behind a proxy (TRUST_PROXY), a stranger's failures never refuse another caller's valid credentials", async () => {
    const limited = await startAuth({ rateLimit: { perClientPerMinute: 5, perIpPerMinute: 5 }, trustProxy: ['loopback'] });
    try {
      const target = await createM2MClient(sdk(limited), ['read:users']);
      const tokenUrl = at(limited.url, `/v1/public/${limited.projectId}/oauth2/token`);
      const from = (ip: string, clientId: string, secret: string) =>
        request('POST', tokenUrl, {
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }).toString(),
        });
      const search = (ip: string, secret: string) =>
        post(at(limited.url, '/v1/m2m/clients/search'), {}, { Authorization: basic(limited.projectId, secret), 'x-forwarded-for': ip });
      const stranger = '203.0.113.66';
      for (let i = 0; i < 60; i++) {
        await from(stranger, target.clientId, `guess-${i}-abcdefgh`);
        await from(stranger, `m2m-client-test-made-up-${i}`, `guess-${i}-abcdefgh`);
        await search(stranger, `wrong-${i}`);
      }
      expect((await from(stranger, target.clientId, target.clientSecret)).status).toBe(429);
      expect((await search(stranger, limited.projectSecret)).status).toBe(429);

      const owner = '198.51.100.7';
      const token = await from(owner, target.clientId, target.clientSecret);
      expect(token.status).toBe(200);
      expect(token.body.access_token).toEqual(expect.any(String));
      expect((await search(owner, limited.projectSecret)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("without TRUST_PROXY, X-Forwarded-For is ignored: a guesser can't escape its count by naming other addresses", async () => {
    const limited = await startAuth({ rateLimit: { perClientPerMinute: 3, perIpPerMinute: 1000 } });
    try {
      const target = await createM2MClient(sdk(limited), ['read:users']);
      const tokenUrl = at(limited.url, `/v1/public/${limited.projectId}/oauth2/token`);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const answer = await request('POST', tokenUrl, {
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `203.0.113.${i}` },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: target.clientId,
            client_secret: `guess-${i}-abcdefgh`,
          }).toString(),
        });
        statuses.push(answer.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  it('parallel guesses against an imported (scrypt) secret are counted before the check: exactly the limit get checked', async () => {
    const limited = await startAuth({ rateLimit: { perClientPerMinute: 5, perIpPerMinute: 1000 } });
    try {
      const secret = 'Imported-Secret-9f3#kQ2v';
      const { m2m_client } = await sdk(limited).m2m.clients.create({
        scopes: ['read:users'],
        client_id: 'imported-scrypt-client',
        client_secret: secret,
      });
      const tokenUrl = at(limited.url, `/v1/public/${limited.projectId}/oauth2/token`);
      const guess = (value: string) =>
        request('POST', tokenUrl, {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: m2m_client.client_id, client_secret: value }).toString(),
        });
      const statuses = await Promise.all(Array.from({ length: 100 }, (_, i) => guess(`parallel-guess-${i}-xyz`).then((a) => a.status)));
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(95);
    } finally {
      await limited.close();
    }
  });

  it('a right secret refunds its attempt, so a client with an imported secret is never limited by its own successes', async () => {
    const limited = await startAuth({ rateLimit: { perClientPerMinute: 3, perIpPerMinute: 1000 } });
    try {
      const secret = 'Imported-Secret-7h2$Lp4w';
      const { m2m_client } = await sdk(limited).m2m.clients.create({
        scopes: ['read:users'],
        client_id: 'imported-refund-client',
        client_secret: secret,
      });
      for (let i = 0; i < 12; i++)
        expect(await accessToken(sdk(limited), { clientId: m2m_client.client_id, clientSecret: secret })).toBeTruthy();
    } finally {
      await limited.close();
    }
  });
});

describe('payment-server POST /initiate-payment: a write:payments token required', () => {
  const payJohn = { customerId: JOHN.customerId, debitAmount: 1, destinationWalletId: JANE.walletId };
  const balances = () => Promise.all([JOHN, JANE].map(async (c) => (await wallet.wallets.findByCustomer(c.customerId))!.balance));

  it('no token → 401 with a Bearer challenge; a token without write:payments (even the wallet scopes) → 403; nothing debited', async () => {
    const before = await balances();
    const anonymous = await post(at(payment.url, '/initiate-payment'), payJohn, { 'Idempotency-Key': 'door-pay' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="payment-server"');

    // The payment-server's own token (read:users write:wallets) can reach the wallet, not the payment API.
    const walletScopes = await payment.tokenProvider.getToken(['read:users', 'write:wallets']);
    for (const token of [await accessToken(sdk(auth), victim), walletScopes]) {
      const answer = await post(at(payment.url, '/initiate-payment'), payJohn, {
        Authorization: bearer(token),
        'Idempotency-Key': 'door-pay',
      });
      expect(answer.status).toBe(403);
      expect(answer.headers.get('www-authenticate')).toContain('scope="write:payments"');
    }
    expect(await balances()).toEqual(before);
  });
});
