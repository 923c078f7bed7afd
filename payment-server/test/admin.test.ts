import fs from 'node:fs';
import path from 'node:path';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { SCOPES } from '@m2m/shared';
import type { RunningPaymentServer } from '../src/server';
import {
  ADMIN_KEY,
  bearerHeader,
  createCaller,
  createClient,
  LogCapture,
  pay,
  postPayment,
  projectOf,
  request,
  sdk,
  startAuth,
  startPayment,
  startWallet,
  tempDir,
  type TestClient,
} from './support/stack';

// The /admin routes over real HTTP, with the real auth-server behind the real SDK.
describe('admin routes', () => {
  const dir = tempDir('payment-server').dir;
  const credentialsFile = path.join(dir, 'payment-server-credentials.json');
  let auth: RunningAuthServer;
  let wallet: RunningWalletServer;
  let own: TestClient;
  let callerToken: string;
  let payment: RunningPaymentServer;
  const logs = new LogCapture();
  /** Every answer body, to check that none carries a secret. */
  const answers: string[] = [];
  /** Every secret that exists in this test, to look for in answers and logs. */
  const secrets: string[] = [];

  const admin = async (method: string, route: string, body?: unknown, token = ADMIN_KEY) => {
    const res = await request(payment.url, method, route, { token, ...(body !== undefined && { body }) });
    answers.push(res.text);
    return res;
  };
  // The client's part of the file (the project it records has its own test, in startup.test.ts).
  const stored = () => {
    const {
      project_id: _project,
      stytch_base_url: _url,
      ...client
    } = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as Record<string, string>;
    return client as { client_id: string; client_secret: string; next_client_secret?: string };
  };

  beforeAll(async () => {
    auth = await startAuth();
    wallet = await startWallet(auth);
    own = await createClient(auth);
    callerToken = (await createCaller(auth)).token;
    secrets.push(own.clientSecret, auth.projectSecret, ADMIN_KEY);
    payment = await startPayment({
      stytchProject: projectOf(auth),
      walletServerUrl: wallet.url,
      credentialsFile,
      clientId: own.clientId,
      clientSecret: own.clientSecret,
      logger: logs.logger('payment-server'),
    });
  });
  afterAll(async () => {
    await payment.close();
    await wallet.close();
    await auth.close();
  });

  describe('authentication', () => {
    const routes: [string, string][] = [
      ['GET', '/admin/m2m/secret-rotation'],
      ['POST', '/admin/m2m/secret-rotation'],
      ['POST', '/admin/m2m/secret-rotation/start'],
      ['POST', '/admin/m2m/secret-rotation/complete'],
      ['POST', '/admin/m2m/secret-rotation/cancel'],
      ['POST', '/admin/m2m/clients/search'],
      ['POST', '/admin/m2m/clients'],
      ['GET', '/admin/m2m/clients/some-id'],
      ['PUT', '/admin/m2m/clients/some-id'],
      ['DELETE', '/admin/m2m/clients/some-id'],
      ['POST', '/admin/mcp'],
    ];

    it.each(routes)('%s %s answers 401 without the key', async (method, route) => {
      const res = await request(payment.url, method, route, method === 'GET' ? {} : { body: {} });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect(res.body.error.code).toBe('unauthorized');
    });

    it.each(routes)('%s %s answers 401 with a wrong key', async (method, route) => {
      const res = await request(payment.url, method, route, { token: `${ADMIN_KEY}x`, ...(method !== 'GET' && { body: {} }) });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('answers 401 for a key sent another way than Bearer', async () => {
      const res = await request(payment.url, 'GET', '/admin/m2m/secret-rotation', { headers: { authorization: `Basic ${ADMIN_KEY}` } });
      expect(res.status).toBe(401);
    });

    it('lets the right key in, and asks that nothing caches the answer', async () => {
      const res = await admin('GET', '/admin/m2m/secret-rotation');
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toEqual({
        client_id: own.clientId,
        rotation: 'none',
        client_secret_last_four: own.clientSecret.slice(-4),
        next_client_secret_last_four: null,
        in_use: 'client_secret',
      });
    });
  });

  describe('clients', () => {
    let created: { client_id: string; client_secret: string };

    it('creates a client and shows its secret in that answer only', async () => {
      const res = await admin('POST', '/admin/m2m/clients', {
        scopes: [SCOPES.readUsers],
        client_name: 'reporting-job',
        trusted_metadata: { team: 'finance' },
      });
      expect(res.status).toBe(201);
      created = res.body.m2m_client;
      secrets.push(created.client_secret);
      expect(res.body.m2m_client).toMatchObject({
        client_name: 'reporting-job',
        scopes: [SCOPES.readUsers],
        status: 'active',
        trusted_metadata: { team: 'finance' },
      });
      expect(res.body.m2m_client.client_secret_last_four).toBe(created.client_secret.slice(-4));
      // The secret works.
      await expect(sdk(auth).m2m.token({ client_id: created.client_id, client_secret: created.client_secret })).resolves.toHaveProperty(
        'access_token',
      );

      const got = await admin('GET', `/admin/m2m/clients/${created.client_id}`);
      expect(got.status).toBe(200);
      expect(got.body.m2m_client).not.toHaveProperty('client_secret');
      expect(got.text).not.toContain(created.client_secret);
    });

    it('refuses to choose the new client id or secret', async () => {
      const res = await admin('POST', '/admin/m2m/clients', { scopes: [], client_secret: 'my-own-secret-0123456789' });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('client_secret');
    });

    it('searches clients with the Stytch search request', async () => {
      const res = await admin('POST', '/admin/m2m/clients/search', {
        limit: 10,
        query: { operator: 'AND', operands: [{ filter_name: 'client_name', filter_value: ['reporting-job'] }] },
      });
      expect(res.status).toBe(200);
      expect(res.body.m2m_clients.map((c: { client_id: string }) => c.client_id)).toEqual([created.client_id]);
      expect(res.body.results_metadata).toMatchObject({ total: 1 });

      // The project's clients: ours, the caller of the payment API, and the one just created.
      const all = await admin('POST', '/admin/m2m/clients/search', {});
      expect(all.body.m2m_clients.length).toBe(3);
    });

    it.each([
      ['an unknown filter', { query: { operator: 'AND', operands: [{ filter_name: 'email', filter_value: ['x'] }] } }, 'filter_name'],
      ['a limit over 1000', { limit: 5000 }, 'limit'],
      ['a bad operator', { query: { operator: 'XOR', operands: [] } }, 'operator'],
      ['an unknown field', { page: 2 }, 'page'],
    ])('answers 400 to a search with %s', async (_name, body, field) => {
      const res = await admin('POST', '/admin/m2m/clients/search', body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(field);
    });

    it('updates status, scopes, name, description and trusted metadata', async () => {
      const res = await admin('PUT', `/admin/m2m/clients/${created.client_id}`, {
        client_name: 'reporting-job-v2',
        client_description: 'nightly reports',
        scopes: [SCOPES.readUsers, SCOPES.writeWallets],
        status: 'inactive',
        trusted_metadata: { team: 'risk' },
      });
      expect(res.status).toBe(200);
      expect(res.body.m2m_client).toMatchObject({
        client_name: 'reporting-job-v2',
        client_description: 'nightly reports',
        scopes: [SCOPES.readUsers, SCOPES.writeWallets],
        status: 'inactive',
        trusted_metadata: { team: 'risk' },
      });
      // Inactive: no new tokens.
      await expect(sdk(auth).m2m.token({ client_id: created.client_id, client_secret: created.client_secret })).rejects.toMatchObject({
        error_type: 'invalid_client',
      });
    });

    it.each([
      ['an unknown status', { status: 'deleted' }, 'status'],
      ['nothing to change', {}, 'at least one'],
      ['a scope with a space', { scopes: ['read users'] }, 'scopes'],
      ['a field that is not updatable', { client_secret: 'x' }, 'client_secret'],
    ])('answers 400 to an update with %s', async (_name, body, text) => {
      const res = await admin('PUT', `/admin/m2m/clients/${created.client_id}`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(text);
    });

    it("answers 404 with Stytch's error type for an unknown client", async () => {
      const res = await admin('GET', '/admin/m2m/clients/m2m-client-test-00000000-0000-0000-0000-000000000000');
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'm2m_client_not_found', request_id: expect.any(String) });
    });

    it("refuses to delete, deactivate or strip a needed scope from the payment-server's own client", async () => {
      const del = await admin('DELETE', `/admin/m2m/clients/${own.clientId}`);
      expect(del.status).toBe(409);
      expect(del.body.error.code).toBe('own_client');
      const off = await admin('PUT', `/admin/m2m/clients/${own.clientId}`, { status: 'inactive' });
      expect(off.status).toBe(409);
      const narrowed = await admin('PUT', `/admin/m2m/clients/${own.clientId}`, { scopes: ['read:users'] });
      expect(narrowed.status).toBe(409);
      expect(narrowed.body.error.message).toContain('write:wallets');
      const widened = await admin('PUT', `/admin/m2m/clients/${own.clientId}`, { scopes: ['read:users', 'write:wallets', 'read:reports'] });
      expect(widened.status).toBe(200);
      expect((await postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(callerToken))).status).toBe(200);
    });

    it('deletes another client', async () => {
      const res = await admin('DELETE', `/admin/m2m/clients/${created.client_id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ client_id: created.client_id, deleted: true });
      expect((await admin('GET', `/admin/m2m/clients/${created.client_id}`)).status).toBe(404);
    });
  });

  describe('secret rotation, step by step', () => {
    it('answers 409 to complete or cancel when no rotation is started', async () => {
      expect((await admin('POST', '/admin/m2m/secret-rotation/complete')).body.error.code).toBe('no_rotation_in_progress');
      expect((await admin('POST', '/admin/m2m/secret-rotation/cancel')).status).toBe(409);
    });

    it('start saves the next secret to the file before answering, and shows last fours only', async () => {
      const res = await admin('POST', '/admin/m2m/secret-rotation/start');
      expect(res.status).toBe(200);
      const file = stored();
      expect(file.next_client_secret).toEqual(expect.any(String));
      secrets.push(file.next_client_secret!);
      expect(res.body).toEqual({
        client_id: own.clientId,
        rotation: 'started',
        client_secret_last_four: own.clientSecret.slice(-4),
        next_client_secret_last_four: file.next_client_secret!.slice(-4),
        in_use: 'client_secret',
      });
      expect(fs.statSync(credentialsFile).mode & 0o777).toBe(0o600);
      expect((await admin('POST', '/admin/m2m/secret-rotation/start')).body.error.code).toBe('rotation_in_progress');
    });

    it('cancel goes back to the old secret and Stytch forgets the next one', async () => {
      const next = stored().next_client_secret!;
      const res = await admin('POST', '/admin/m2m/secret-rotation/cancel');
      expect(res.body).toMatchObject({ rotation: 'cancelled', next_client_secret_last_four: null, in_use: 'client_secret' });
      expect(stored()).toEqual({ client_id: own.clientId, client_secret: own.clientSecret });
      await expect(sdk(auth).m2m.token({ client_id: own.clientId, client_secret: next })).rejects.toMatchObject({
        error_type: 'invalid_client',
      });
      expect((await postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(callerToken))).status).toBe(200);
    });

    it('start then complete switches to the new secret; the old one stops working', async () => {
      await admin('POST', '/admin/m2m/secret-rotation/start');
      const next = stored().next_client_secret!;
      secrets.push(next);
      const res = await admin('POST', '/admin/m2m/secret-rotation/complete');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        client_id: own.clientId,
        rotation: 'completed',
        client_secret_last_four: next.slice(-4),
        next_client_secret_last_four: null,
        in_use: 'client_secret',
      });
      expect(stored()).toEqual({ client_id: own.clientId, client_secret: next });
      await expect(sdk(auth).m2m.token({ client_id: own.clientId, client_secret: own.clientSecret })).rejects.toMatchObject({
        error_type: 'invalid_client',
      });
      // New tokens come with the new secret.
      payment.tokenProvider.invalidate([SCOPES.readUsers]);
      payment.tokenProvider.invalidate([SCOPES.writeWallets]);
      expect((await postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(callerToken))).status).toBe(200);
    });
  });

  it('never puts a secret in an answer (but the create one) or a log line', () => {
    const createdSecret = secrets[3];
    for (const answer of answers) {
      for (const secret of secrets) {
        if (secret === createdSecret && answer.includes('"client_secret":')) continue;
        expect(answer).not.toContain(secret);
      }
    }
    const logText = logs.text();
    expect(logs.lines.length).toBeGreaterThan(20);
    for (const secret of secrets) expect(logText).not.toContain(secret);
    expect(logText).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });
});
