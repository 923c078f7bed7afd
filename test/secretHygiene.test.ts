/**
 * Secret hygiene. Every flow runs with every log line captured (pino at trace,
 * plus console), every answer kept; no client secret, project secret, admin key or access token
 * may appear in a log line or in an error body. The flows include the failure paths, where
 * secrets leak in practice: wrong credentials that contain the right one, outages of the
 * auth-server mid-flow (the SDK's RequestError carries the form body with client_secret), a
 * token in the query string, and the rotation steps.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningPaymentServer } from '@m2m/payment-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { DEMO_CALLER_FILE, PAYMENT_API_SCOPE, readJsonFile } from '@m2m/shared';
import { pickPorts, spawnServer, stackEnv, type ChildServer } from './support/childServers';
import { at, basic, bearer, request, type HttpAnswer } from './support/http';
import { leakedSecrets, LogCapture } from './support/logCapture';
import {
  accessToken,
  ADMIN_API_KEY,
  createM2MClient,
  JANE,
  JOHN,
  resourceToken,
  sdk,
  startAuth,
  startPayment,
  startWallet,
  tempDir,
  closeAll,
  projectOf,
} from './support/stack';

interface StoredCredentials {
  client_id: string;
  client_secret: string;
  next_client_secret?: string;
}

/** Every secret the flows have seen, by name (a failure names the secret, never prints it). */
class SecretBook {
  readonly secrets: Record<string, string> = {};
  add(name: string, value: string | undefined): void {
    if (!value) return;
    this.secrets[name] = value;
    // A JWT is leaked as soon as its signature is: check that part on its own too.
    const signature = value.split('.')[2];
    if (value.startsWith('ey') && signature) this.secrets[`${name} (signature)`] = signature;
  }
  addCredentialsFile(file: string, label: string): void {
    const stored = readJsonFile<StoredCredentials>(file);
    this.add(`${label} client_secret ...${stored?.client_secret.slice(-4)}`, stored?.client_secret);
    this.add(`${label} next_client_secret`, stored?.next_client_secret);
  }
}

// One temp folder for the file (removed whatever tests a filter selects), one subfolder per describe.
const root = tempDir('hygiene');
afterAll(() => root.remove());
const subDir = (name: string) => {
  const dir = path.join(root.dir, name);
  fs.mkdirSync(dir, { mode: 0o700 });
  return { dir };
};

describe('in-process servers: every flow, every log line and answer', () => {
  const tmp = subDir('in-process');
  const logs = new LogCapture();
  const book = new SecretBook();
  const answers: { what: string; answer: HttpAnswer }[] = [];
  const credentialsFile = path.join(tmp.dir, 'payment-credentials.json');
  const authDb = path.join(tmp.dir, 'auth.db');
  let auth: RunningAuthServer;
  let wallet: RunningWalletServer;
  let payment: RunningPaymentServer;
  let consoleSpies: jest.SpyInstance[] = [];

  const call = async (what: string, method: string, url: string, options: Parameters<typeof request>[2] = {}) => {
    const answer = await request(method, url, options);
    answers.push({ what, answer });
    return answer;
  };
  /** The payment API's caller's token. */
  let payer: string;
  const pay = (what: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    call(what, 'POST', at(payment.url, '/initiate-payment'), { json: body, headers: { Authorization: bearer(payer), ...headers } });
  const admin = (what: string, method: string, route: string, json?: unknown, key = ADMIN_API_KEY) =>
    call(what, method, at(payment.url, route), { headers: { Authorization: bearer(key) }, ...(json !== undefined && { json }) });
  const payJohn = { customerId: JOHN.customerId, debitAmount: 3, destinationWalletId: JANE.walletId };

  beforeAll(async () => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      consoleSpies.push(
        jest
          .spyOn(console, method)
          .mockImplementation((...args: unknown[]) => logs.push(`console.${method}: ${args.map(String).join(' ')}`)),
      );
    }
    auth = await startAuth({
      databaseFile: authDb,
      logger: logs.logger('auth-server'),
      rateLimit: { perClientPerMinute: 1000, perIpPerMinute: 1000 },
    });
    book.add('project secret', auth.projectSecret);
    book.add('admin API key', ADMIN_API_KEY);
    wallet = await startWallet(auth, { databaseFile: path.join(tmp.dir, 'wallet.db'), logger: logs.logger('wallet-server') });
    payment = await startPayment({
      stytchProject: projectOf(auth),
      walletServerUrl: wallet.url,
      credentialsFile,
      logger: logs.logger('payment-server'),
    });
    book.addCredentialsFile(credentialsFile, 'provisioned payment-service');
    const caller = await createM2MClient(sdk(auth), [PAYMENT_API_SCOPE], 'checkout-service');
    book.add('payment caller secret', caller.clientSecret);
    payer = await accessToken(sdk(auth), caller);
    book.add('payment caller token', payer);
  });

  afterAll(async () => {
    await closeAll(payment, wallet, auth);
    for (const spy of consoleSpies) spy.mockRestore();
    consoleSpies = [];
  });

  it('payments: success, replay, insufficient funds, unknown customer, key reuse', async () => {
    expect((await pay('payment', payJohn, { 'Idempotency-Key': 'hyg-1' })).status).toBe(200);
    expect((await pay('replay', payJohn, { 'Idempotency-Key': 'hyg-1' })).status).toBe(200);
    expect((await pay('too much', { ...payJohn, debitAmount: 10_000_000 })).status).toBe(409);
    expect((await pay('unknown customer', { ...payJohn, customerId: 'nobody' })).status).toBe(404);
    expect((await pay('key reused', { ...payJohn, debitAmount: 4 }, { 'Idempotency-Key': 'hyg-1' })).status).toBe(422);
    expect((await pay('unknown destination', { ...payJohn, destinationWalletId: 'nowhere' })).status).toBe(404);
    expect((await pay('caller token cut short', payJohn, { Authorization: bearer(payer.slice(0, -3)) })).status).toBe(401);
    expect(
      (await call('caller token in the query', 'POST', at(payment.url, `/initiate-payment?access_token=${payer}`), { json: payJohn }))
        .status,
    ).toBe(400);
    for (const scopes of [['read:users'], ['write:wallets']])
      book.add(`payment-server token ${scopes.join(' ')}`, await payment.tokenProvider.getToken(scopes));
  });

  it('admin client management: create (its one answer with a secret), get, search, update, delete', async () => {
    const created = await admin('create', 'POST', '/admin/m2m/clients', { scopes: ['read:users'], client_name: 'hygiene-extra' });
    expect(created.status).toBe(201);
    const id = created.body.m2m_client.client_id as string;
    book.add('admin-created client secret', created.body.m2m_client.client_secret);
    expect((await admin('get', 'GET', `/admin/m2m/clients/${id}`)).status).toBe(200);
    expect((await admin('search', 'POST', '/admin/m2m/clients/search', {})).status).toBe(200);
    expect((await admin('update', 'PUT', `/admin/m2m/clients/${id}`, { client_name: 'renamed' })).status).toBe(200);
    expect((await admin('delete own', 'DELETE', `/admin/m2m/clients/${payment.clientId}`)).status).toBe(409);
    expect((await admin('delete', 'DELETE', `/admin/m2m/clients/${id}`)).status).toBe(200);
    expect((await admin('get deleted', 'GET', `/admin/m2m/clients/${id}`)).status).toBe(404);
  });

  it("an agent at the wallet's MCP endpoint: a bound token, an unbound one, one cut short, a tool refused", async () => {
    const agent = await createM2MClient(sdk(auth), ['read:users', 'write:wallets'], 'hygiene-agent');
    book.add('agent client secret', agent.clientSecret);
    const resource = wallet.url.replace(/\/$/, '');
    const bound = await resourceToken(auth, agent, [resource]);
    const unbound = await accessToken(sdk(auth), agent);
    book.add('agent bound token', bound);
    book.add('agent unbound token', unbound);
    const mcp = (what: string, token: string, message: object) =>
      call(what, 'POST', at(wallet.url, '/mcp'), {
        json: message,
        headers: { Authorization: bearer(token), Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': '2025-11-25' },
      });
    const debit = (key: string, amount: number) => ({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'debit',
        arguments: { customerId: JOHN.customerId, amount, destinationWalletId: JANE.walletId, idempotencyKey: key },
      },
    });
    expect((await mcp('mcp debit', bound, debit('hyg-mcp', 2))).status).toBe(200);
    expect((await mcp('mcp debit refused (too much)', bound, debit('hyg-mcp-2', 10_000_000))).status).toBe(200);
    expect((await mcp('mcp unbound token', unbound, debit('hyg-mcp-3', 2))).status).toBe(401);
    expect((await mcp('mcp token cut short', bound.slice(0, -3), debit('hyg-mcp-4', 2))).status).toBe(401);
  });

  it('secret rotation: one shot, start + cancel, start + complete, and the 409s', async () => {
    expect((await admin('rotate', 'POST', '/admin/m2m/secret-rotation')).status).toBe(200);
    book.addCredentialsFile(credentialsFile, 'after one-shot rotation');
    expect((await admin('start', 'POST', '/admin/m2m/secret-rotation/start')).status).toBe(200);
    book.addCredentialsFile(credentialsFile, 'rotation started (cancelled later)');
    expect((await admin('start twice', 'POST', '/admin/m2m/secret-rotation/start')).status).toBe(409);
    expect((await admin('cancel', 'POST', '/admin/m2m/secret-rotation/cancel')).status).toBe(200);
    expect((await admin('complete without start', 'POST', '/admin/m2m/secret-rotation/complete')).status).toBe(409);
    expect((await admin('start', 'POST', '/admin/m2m/secret-rotation/start')).status).toBe(200);
    book.addCredentialsFile(credentialsFile, 'rotation started (completed later)');
    expect((await pay('payment during rotation', payJohn)).status).toBe(200);
    expect((await admin('complete', 'POST', '/admin/m2m/secret-rotation/complete')).status).toBe(200);
    book.addCredentialsFile(credentialsFile, 'after step-by-step rotation');
    expect((await pay('payment after rotation', payJohn)).status).toBe(200);
  });

  it('wrong credentials that contain the right ones, everywhere', async () => {
    const stored = readJsonFile<StoredCredentials>(credentialsFile)!;
    const tokenUrl = at(auth.url, `/v1/public/${auth.projectId}/oauth2/token`);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const wrong = `${stored.client_secret}x`;
    await call('token, wrong secret in the body', 'POST', tokenUrl, {
      headers: form,
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: stored.client_id, client_secret: wrong }).toString(),
    });
    await call('token, wrong secret in Basic', 'POST', tokenUrl, {
      headers: { ...form, Authorization: basic(stored.client_id, wrong) },
      body: 'grant_type=client_credentials',
    });
    await call('token, secret in both places', 'POST', tokenUrl, {
      headers: { ...form, Authorization: basic(stored.client_id, stored.client_secret) },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: stored.client_secret }).toString(),
    });
    await call('token, malformed JSON around the secret', 'POST', tokenUrl, {
      headers: { 'content-type': 'application/json' },
      body: `{"client_id":"${stored.client_id}","client_secret":"${stored.client_secret}"`,
    });
    await call('token, bad grant_type with the right secret', 'POST', tokenUrl, {
      headers: form,
      body: new URLSearchParams({ grant_type: 'password', client_id: stored.client_id, client_secret: stored.client_secret }).toString(),
    });
    await call('management, wrong project secret', 'POST', at(auth.url, '/v1/m2m/clients/search'), {
      headers: { Authorization: basic(auth.projectId, `${auth.projectSecret}x`) },
      json: {},
    });
    await call('management, project secret as the id', 'POST', at(auth.url, '/v1/m2m/clients/search'), {
      headers: { Authorization: basic(auth.projectSecret, auth.projectSecret) },
      json: {},
    });
    await call('management, create with a weak client_secret', 'POST', at(auth.url, '/v1/m2m/clients'), {
      headers: { Authorization: basic(auth.projectId, auth.projectSecret) },
      json: { scopes: ['x'], client_secret: 'aaaaaaaaaaaa' },
    });
    await admin('admin, the key plus one character', 'POST', '/admin/m2m/secret-rotation', undefined, `${ADMIN_API_KEY}x`);
    await admin('admin, a key of the right length', 'GET', '/admin/m2m/clients/x', undefined, ADMIN_API_KEY.replace(/.$/, '!'));
    expect(
      answers
        .slice(-10)
        .map(({ what, answer }) => [what, answer.status])
        .filter(([, status]) => (status as number) < 400 || (status as number) >= 500),
    ).toEqual([]);
  });

  it('tokens where they must not be: query string, form body, wrong route, wrong project', async () => {
    const client = await createM2MClient(sdk(auth), ['read:users']);
    book.add('hygiene client secret', client.clientSecret);
    const token = await accessToken(sdk(auth), client);
    book.add('hygiene access token', token);
    await call('token in the query string', 'POST', `${at(wallet.url, '/api/check-balance')}?access_token=${token}`, {
      json: { customerId: JOHN.customerId },
    });
    await call('token in a form body', 'POST', at(wallet.url, '/api/check-balance'), {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${token}&customerId=${JOHN.customerId}`,
    });
    await call('read token on the debit route', 'POST', at(wallet.url, '/api/debit'), {
      headers: { Authorization: bearer(token), 'Idempotency-Key': 'hyg-scope' },
      json: { customerId: JOHN.customerId, amount: 1, destinationWalletId: JANE.walletId },
    });
    await call('token with a flipped signature', 'POST', at(wallet.url, '/api/check-balance'), {
      headers: { Authorization: bearer(`${token.slice(0, -4)}AAAA`) },
      json: { customerId: JOHN.customerId },
    });
    await call('token as the admin key', 'GET', at(payment.url, '/admin/m2m/clients/x'), { headers: { Authorization: bearer(token) } });
    await call('token sent twice', 'POST', at(wallet.url, '/api/check-balance'), {
      headers: { Authorization: `Bearer ${token} ${token}` },
      json: { customerId: JOHN.customerId },
    });
  });

  it('auth-server outage mid-flow: token refresh fails, rotation fails, then recovery', async () => {
    const port = auth.port;
    await auth.close();
    payment.tokenProvider.invalidate(['read:users']);
    const down = await pay('payment with the auth-server down', payJohn);
    expect(down.status).toBe(503);
    const rotation = await admin('rotation with the auth-server down', 'POST', '/admin/m2m/secret-rotation');
    expect(rotation.status).toBeGreaterThanOrEqual(500);
    expect((await admin('search with the auth-server down', 'POST', '/admin/m2m/clients/search', {})).status).toBe(503);

    auth = await startAuth({
      port,
      databaseFile: authDb,
      logger: logs.logger('auth-server'),
      rateLimit: { perClientPerMinute: 1000, perIpPerMinute: 1000 },
    });
    expect(auth.projectSecret).toBe(book.secrets['project secret']);
    expect((await pay('payment after the auth-server is back', payJohn)).status).toBe(200);
    book.add('payment-server token after outage', await payment.tokenProvider.getToken(['read:users']));
  });

  it('wallet-server outage mid-flow', async () => {
    const port = wallet.port;
    await wallet.close();
    expect((await pay('payment with the wallet down', payJohn)).status).toBe(503);
    wallet = await startWallet(auth, { port, databaseFile: path.join(tmp.dir, 'wallet.db'), logger: logs.logger('wallet-server') });
    expect((await pay('payment after the wallet is back', payJohn)).status).toBe(200);
  });

  it('payment-server restart reads its credentials from the file', async () => {
    await payment.close();
    payment = await startPayment({
      stytchProject: projectOf(auth),
      walletServerUrl: wallet.url,
      credentialsFile,
      logger: logs.logger('payment-server'),
    });
    expect((await pay('payment after restart', payJohn)).status).toBe(200);
    book.add('payment-server token after restart', await payment.tokenProvider.getToken(['write:wallets']));
  });

  it('signing-key rotation and the custom claims template', async () => {
    const project = { Authorization: basic(auth.projectId, auth.projectSecret) };
    expect((await call('rotate keys', 'POST', at(auth.url, '/v1/local/signing-keys/rotate'), { headers: project, json: {} })).status).toBe(
      200,
    );
    expect(
      (
        await call('set template', 'PUT', at(auth.url, '/v1/local/m2m/custom-claims-template'), {
          headers: project,
          json: { name: '{{ client.client_name }}' },
        })
      ).status,
    ).toBe(200);
    expect((await pay('payment after key rotation', payJohn)).status).toBe(200);
  });

  it("the payment-server's secret rotated behind its back: 502 when it needs a new token, and no secret in sight", async () => {
    const stytch = sdk(auth);
    const { m2m_client } = await stytch.m2m.clients.secrets.rotateStart({ client_id: payment.clientId });
    book.add('secret rotated behind the payment-server', m2m_client.next_client_secret);
    await stytch.m2m.clients.secrets.rotate({ client_id: payment.clientId });
    payment.tokenProvider.invalidate(['read:users']);
    const answer = await pay('payment with a revoked secret', payJohn);
    expect(answer.status).toBe(502);
    expect(answer.body.error.code).toBe('m2m_credentials_rejected');
  });

  it('no secret or token in any log line', () => {
    expect(logs.lines.length).toBeGreaterThan(50);
    const leaks = leakedSecrets(logs.text(), book.secrets);
    const where = leaks.flatMap((name) =>
      logs.linesContaining(book.secrets[name]!).map((line) => `${name}: ${line.slice(0, 300).replace(book.secrets[name]!, '<SECRET>')}`),
    );
    expect(where).toEqual([]);
  });

  it('no secret or token in any error body, nor in an answer that is not meant to carry one', () => {
    const problems: string[] = [];
    for (const { what, answer } of answers) {
      // The only answers allowed to carry a secret: the admin create answer (shown once, as Stytch does).
      if (what === 'create') {
        // ...and the detector does see a secret when one is there.
        expect(leakedSecrets(answer.text, book.secrets)).toEqual(['admin-created client secret']);
        continue;
      }
      const leaks = leakedSecrets(answer.text, book.secrets);
      if (leaks.length) problems.push(`${what} (${answer.status}): ${leaks.join(', ')}`);
    }
    expect(problems).toEqual([]);
    expect(answers.filter(({ answer }) => answer.status >= 400).length).toBeGreaterThan(15);
  });

  it('credential files are owner-only (0600)', () => {
    for (const file of [credentialsFile, authDb]) {
      expect({ file: path.basename(file), mode: (fs.statSync(file).mode & 0o777).toString(8) }).toEqual({
        file: path.basename(file),
        mode: '600',
      });
    }
  });
});

describe('the real processes (their production build): everything they print, at LOG_LEVEL=trace', () => {
  const tmp = subDir('processes');
  const logs = new LogCapture();
  const servers: ChildServer[] = [];

  afterAll(async () => {
    for (const server of servers.reverse()) await server.kill('SIGTERM');
  });

  it('start-up with generated project, admin key and client, a payment, a rotation, a wrong key: no secret printed', async () => {
    const ports = await pickPorts();
    const env = stackEnv(tmp.dir, ports, { LOG_LEVEL: 'trace' });
    servers.push(await spawnServer('auth-server', ports.auth, env, logs));
    servers.push(await spawnServer('wallet-server', ports.wallet, env, logs));
    servers.push(await spawnServer('payment-server', ports.payment, env, logs));
    const paymentUrl = `http://127.0.0.1:${ports.payment}/`;
    const adminKey = fs.readFileSync(path.join(tmp.dir, 'payment-server-admin-key'), 'utf8').trim();
    const project = readJsonFile<{ project_id: string; secret: string }>(path.join(tmp.dir, 'stytch-project.json'))!;
    const book = new SecretBook();
    book.add('project secret', project.secret);
    book.add('admin API key', adminKey);
    const credentialsFile = path.join(tmp.dir, 'payment-server-credentials.json');
    book.addCredentialsFile(credentialsFile, 'provisioned');
    const demoCallerFile = path.join(tmp.dir, DEMO_CALLER_FILE);
    book.addCredentialsFile(demoCallerFile, 'demo caller');
    const demoCaller = readJsonFile<StoredCredentials>(demoCallerFile)!;
    const callerToken = (
      await sdk({ projectId: project.project_id, projectSecret: project.secret, url: `http://127.0.0.1:${ports.auth}/` }).m2m.token({
        client_id: demoCaller.client_id,
        client_secret: demoCaller.client_secret,
      })
    ).access_token;
    book.add('the demo caller token', callerToken);
    const asCaller = { Authorization: bearer(callerToken) };

    const payJohn = { customerId: JOHN.customerId, debitAmount: 2, destinationWalletId: JANE.walletId };
    const bodies: string[] = [];
    const keep = (answer: HttpAnswer) => (bodies.push(answer.text), answer);
    expect(keep(await request('POST', `${paymentUrl}initiate-payment`, { json: payJohn, headers: asCaller })).status).toBe(200);
    expect(
      keep(await request('POST', `${paymentUrl}admin/m2m/secret-rotation`, { headers: { Authorization: bearer(adminKey) } })).status,
    ).toBe(200);
    book.addCredentialsFile(credentialsFile, 'rotated');
    expect(keep(await request('POST', `${paymentUrl}initiate-payment`, { json: payJohn, headers: asCaller })).status).toBe(200);
    expect(
      keep(await request('POST', `${paymentUrl}admin/m2m/secret-rotation`, { headers: { Authorization: bearer(`${adminKey}x`) } })).status,
    ).toBe(401);
    const authUrl = `http://127.0.0.1:${ports.auth}/`;
    const stored = readJsonFile<StoredCredentials>(credentialsFile)!;
    keep(
      await request('POST', `${authUrl}v1/public/${project.project_id}/oauth2/token`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: stored.client_id,
          client_secret: `${stored.client_secret}x`,
        }).toString(),
      }),
    );
    const token = await sdk({ projectId: project.project_id, projectSecret: project.secret, url: authUrl }).m2m.token({
      client_id: stored.client_id,
      client_secret: stored.client_secret,
    });
    book.add('a token of the payment client', token.access_token);
    keep(
      await request('POST', `http://127.0.0.1:${ports.wallet}/api/check-balance?access_token=${token.access_token}`, {
        json: { customerId: JOHN.customerId },
      }),
    );

    // Stop them gracefully, so their last lines are in too.
    for (const server of servers.splice(0).reverse()) await server.kill('SIGTERM');

    expect(logs.lines.length).toBeGreaterThan(10);
    const leaks = leakedSecrets(logs.text(), book.secrets);
    expect(
      leaks.flatMap((name) =>
        logs.linesContaining(book.secrets[name]!).map((line) => `${name}: ${line.slice(0, 300).replace(book.secrets[name]!, '<SECRET>')}`),
      ),
    ).toEqual([]);
    expect(bodies.flatMap((body) => leakedSecrets(body, book.secrets))).toEqual([]);
    for (const file of [
      'stytch-project.json',
      'payment-server-admin-key',
      'payment-server-credentials.json',
      'auth-server.db',
      'wallet-server.db',
    ]) {
      expect({ file, mode: (fs.statSync(path.join(tmp.dir, file)).mode & 0o777).toString(8) }).toEqual({ file, mode: '600' });
    }
  });
});
