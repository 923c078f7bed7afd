import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { ConfigError, listen, closeServer } from '@m2m/shared';
import { resolveAdminKey } from '../src/admin/adminKey';
import { loadPaymentServerConfig } from '../src/config';
import {
  ADMIN_KEY,
  bearerHeader,
  createCaller,
  createClient,
  JOHN,
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
} from './support/stack';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadPaymentServerConfig({ DATA_DIR: '/tmp/pay-data' });
    expect(config).toMatchObject({
      port: 4020,
      host: '127.0.0.1',
      walletServerUrl: 'http://127.0.0.1:4000/',
      walletTimeoutMs: 5000,
      paymentsPerMinute: 600,
      local: true,
      credentialsFile: '/tmp/pay-data/payment-server-credentials.json',
      demoCallerFile: '/tmp/pay-data/demo-caller-credentials.json',
    });
    expect(loadPaymentServerConfig({ PAYMENT_RATE_LIMIT_PER_MINUTE: '30' }).paymentsPerMinute).toBe(30);
  });

  it('derives the wallet URL from WALLET_SERVER_PORT unless WALLET_SERVER_URL is set', () => {
    expect(loadPaymentServerConfig({ WALLET_SERVER_PORT: '4100' }).walletServerUrl).toBe('http://127.0.0.1:4100/');
    expect(loadPaymentServerConfig({ WALLET_SERVER_URL: 'https://wallet.internal/' }).walletServerUrl).toBe('https://wallet.internal/');
  });

  it('names the variable in one line when one is malformed', () => {
    expect(() => loadPaymentServerConfig({ WALLET_SERVER_URL: 'wallet:4000' })).toThrow(/^WALLET_SERVER_URL is invalid/);
    expect(() => loadPaymentServerConfig({ PAYMENT_SERVER_PORT: 'sixthousand' })).toThrow(/^PAYMENT_SERVER_PORT/);
    expect(() => loadPaymentServerConfig({ WALLET_TIMEOUT_MS: '10' })).toThrow(/^WALLET_TIMEOUT_MS is invalid \("10"\)/);
    for (const bad of ['0', '-5', '2.5', 'lots']) {
      expect(() => loadPaymentServerConfig({ PAYMENT_RATE_LIMIT_PER_MINUTE: bad })).toThrow(/^PAYMENT_RATE_LIMIT_PER_MINUTE is invalid/);
    }
  });
});

describe('the admin API key', () => {
  it('refuses a key shorter than 32 characters, without printing it', () => {
    const err = (() => {
      try {
        resolveAdminKey({ configured: 'short-key-1234', local: true, dataDir: tempDir('payment-server').dir });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toMatch(/^ADMIN_API_KEY is too short/);
    expect(err!.message).not.toContain('short-key-1234');
  });

  it('is required against hosted Stytch', () => {
    expect(() => resolveAdminKey({ local: false, dataDir: tempDir('payment-server').dir })).toThrow(/^ADMIN_API_KEY is not set/);
  });

  it('is generated once in local mode, stored 0600, and reused', () => {
    const dataDir = tempDir('payment-server').dir;
    const first = resolveAdminKey({ local: true, dataDir });
    expect(first.generated).toBe(true);
    expect(first.key.length).toBeGreaterThanOrEqual(32);
    expect(first.file).toBe(path.join(dataDir, 'payment-server-admin-key'));
    expect(fs.statSync(first.file!).mode & 0o777).toBe(0o600);
    expect(resolveAdminKey({ local: true, dataDir })).toEqual({ key: first.key, file: first.file, generated: false });
  });

  it('stops the server from starting when too short', async () => {
    const auth = await startAuth();
    try {
      await expect(
        startPayment({ stytchProject: projectOf(auth), walletServerUrl: 'http://127.0.0.1:9/', adminApiKey: 'x'.repeat(31) }),
      ).rejects.toBeInstanceOf(ConfigError);
    } finally {
      await auth.close();
    }
  });
});

describe('credentials at start-up', () => {
  let auth: RunningAuthServer;
  let wallet: RunningWalletServer;
  let callerToken: string;

  beforeAll(async () => {
    auth = await startAuth();
    wallet = await startWallet(auth);
    callerToken = (await createCaller(auth)).token;
  });
  afterAll(async () => {
    await wallet.close();
    await auth.close();
  });

  const options = () => ({
    stytchProject: projectOf(auth),
    walletServerUrl: wallet.url,
    credentialsFile: path.join(tempDir('payment-server').dir, 'credentials.json'),
  });

  it('local mode with no credentials: provisions a payment-service client, and pays with it', async () => {
    const opts = options();
    const server = await startPayment({ ...opts, selfProvision: true });
    try {
      const stored = JSON.parse(fs.readFileSync(opts.credentialsFile, 'utf8')) as { client_id: string; client_secret: string };
      expect(stored.client_id).toBe(server.clientId);
      expect(fs.statSync(opts.credentialsFile).mode & 0o777).toBe(0o600);
      const { m2m_client } = await sdk(auth).m2m.clients.get({ client_id: server.clientId });
      expect(m2m_client).toMatchObject({ client_name: 'payment-service', scopes: ['read:users', 'write:wallets'] });
      expect((await postPayment(server.url, pay({ debitAmount: 1 }), bearerHeader(callerToken))).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('a lost credentials file: reuses the payment-service client with a freshly rotated secret', async () => {
    const first = options();
    const one = await startPayment({ ...first, selfProvision: true });
    await one.close();
    const lostSecret = (JSON.parse(fs.readFileSync(first.credentialsFile, 'utf8')) as { client_secret: string }).client_secret;

    const second = options();
    const two = await startPayment({ ...second, selfProvision: true });
    try {
      expect(two.clientId).toBe(one.clientId);
      const stored = JSON.parse(fs.readFileSync(second.credentialsFile, 'utf8')) as { client_secret: string; next_client_secret?: string };
      expect(stored.next_client_secret).toBeUndefined();
      expect(stored.client_secret).not.toBe(lostSecret);
      await expect(sdk(auth).m2m.token({ client_id: two.clientId, client_secret: lostSecret })).rejects.toMatchObject({
        error_type: 'invalid_client',
      });
      expect((await postPayment(two.url, pay({ debitAmount: 1 }), bearerHeader(callerToken))).status).toBe(200);
    } finally {
      await two.close();
    }
  });

  it('killed while provisioning reused the client (rotation started, file written): completes that rotation on restart', async () => {
    // Provisioning an existing client writes the next secret as client_secret, then completes the
    // rotation. Left pending, the old secret (unknown to us) would keep working: a restart ends that.
    const admin = sdk(auth);
    const { m2m_client: existing } = await admin.m2m.clients.create({
      scopes: ['read:users', 'write:wallets'],
      client_name: 'payment-service',
    });
    const { m2m_client: started } = await admin.m2m.clients.secrets.rotateStart({ client_id: existing.client_id });
    const opts = options();
    fs.writeFileSync(opts.credentialsFile, JSON.stringify({ client_id: existing.client_id, client_secret: started.next_client_secret }));

    const server = await startPayment({ ...opts, selfProvision: true });
    try {
      const { m2m_client } = await admin.m2m.clients.get({ client_id: existing.client_id });
      expect(m2m_client.next_client_secret_last_four ?? null).toBeNull();
      expect(m2m_client.client_secret_last_four).toBe(started.next_client_secret.slice(-4));
      await expect(admin.m2m.token({ client_id: existing.client_id, client_secret: existing.client_secret })).rejects.toMatchObject({
        error_type: 'invalid_client',
      });
      expect((await postPayment(server.url, pay({ debitAmount: 1 }), bearerHeader(callerToken))).status).toBe(200);
    } finally {
      await server.close();
      await admin.m2m.clients.delete({ client_id: existing.client_id });
    }
  });

  it('local mode: provisions the checkout-service demo caller (write:payments only) in its own 0600 file, and its token pays', async () => {
    const opts = options();
    const demoCallerFile = path.join(path.dirname(opts.credentialsFile), 'demo-caller-credentials.json');
    const server = await startPayment({ ...opts, selfProvision: true, demoCallerFile });
    try {
      const caller = JSON.parse(fs.readFileSync(demoCallerFile, 'utf8')) as { client_id: string; client_secret: string };
      expect(server.demoCallerClientId).toBe(caller.client_id);
      expect(fs.statSync(demoCallerFile).mode & 0o777).toBe(0o600);
      const { m2m_client } = await sdk(auth).m2m.clients.get({ client_id: caller.client_id });
      expect(m2m_client).toMatchObject({ client_name: 'checkout-service', scopes: ['write:payments'], status: 'active' });
      const { access_token } = await sdk(auth).m2m.token({ client_id: caller.client_id, client_secret: caller.client_secret });
      expect((await postPayment(server.url, pay({ debitAmount: 1 }), bearerHeader(access_token))).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('the demo caller: reused as is on restart; a lost file gets the same client a rotated secret; a deleted client is made anew', async () => {
    const demoCallerFile = path.join(tempDir('payment-server').dir, 'demo-caller-credentials.json');
    const restart = async () => (await startPayment({ ...options(), selfProvision: true, demoCallerFile })).close();
    const read = () => JSON.parse(fs.readFileSync(demoCallerFile, 'utf8')) as { client_id: string; client_secret: string };
    const admin = sdk(auth);
    await restart();
    const first = read();
    await restart();
    expect(read()).toEqual(first);

    fs.rmSync(demoCallerFile);
    await restart();
    const rotated = read();
    expect(rotated.client_id).toBe(first.client_id);
    expect(rotated.client_secret).not.toBe(first.client_secret);
    await expect(admin.m2m.token({ client_id: first.client_id, client_secret: first.client_secret })).rejects.toMatchObject({
      error_type: 'invalid_client',
    });
    expect((await admin.m2m.token({ client_id: rotated.client_id, client_secret: rotated.client_secret })).access_token).toEqual(
      expect.any(String),
    );

    // Every checkout-service client goes (earlier tests made some): the next start makes a new one.
    const { m2m_clients } = await admin.m2m.clients.search({
      query: { operator: 'AND', operands: [{ filter_name: 'client_name', filter_value: ['checkout-service'] }] },
    });
    for (const c of m2m_clients) await admin.m2m.clients.delete({ client_id: c.client_id });
    await restart();
    const fresh = read();
    expect(fresh.client_id).not.toBe(first.client_id);
    expect((await admin.m2m.clients.get({ client_id: fresh.client_id })).m2m_client.scopes).toEqual(['write:payments']);
  });

  it('local mode with the auth-server down: refuses to start with one line saying so', async () => {
    const err = (await startPayment({
      ...options(),
      stytchProject: { ...projectOf(auth), baseUrl: 'http://127.0.0.1:9/' },
      selfProvision: true,
    }).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/provisioning the payment-service client failed .*is the auth-server running\?$/);
  });

  it('an interrupted rotation and the auth server down at start: starts on the next secret, file unchanged', async () => {
    const opts = options();
    const down = 'http://127.0.0.1:9/';
    const stored = {
      project_id: auth.projectId,
      stytch_base_url: down,
      client_id: 'm2m-client-test-x',
      client_secret: 'old-secret-0123456789',
      next_client_secret: 'next-secret-0123456789',
    };
    fs.writeFileSync(opts.credentialsFile, JSON.stringify(stored));
    const server = await startPayment({ ...opts, stytchProject: { ...projectOf(auth), baseUrl: down } });
    try {
      const status = await request(server.url, 'GET', '/admin/m2m/secret-rotation', { token: ADMIN_KEY });
      expect(status.body).toMatchObject({ rotation: 'started', in_use: 'next_client_secret' });
      expect(JSON.parse(fs.readFileSync(opts.credentialsFile, 'utf8'))).toEqual(stored);
    } finally {
      await server.close();
    }
  });

  it('without credentials outside local mode: refuses to start, naming CLIENT_ID', async () => {
    // Outside local mode the payment-server never provisions a client itself.
    await expect(startPayment({ ...options(), selfProvision: false })).rejects.toThrow(/^CLIENT_ID is not set/);
  });

  it('CLIENT_ID without CLIENT_SECRET: refuses to start', async () => {
    await expect(startPayment({ ...options(), clientId: 'm2m-client-test-x' })).rejects.toThrow(/^CLIENT_SECRET is not set/);
  });

  it('a malformed credentials file: refuses to start without echoing it, and leaves it alone', async () => {
    const opts = options();
    fs.writeFileSync(opts.credentialsFile, '{"client_id": "x", "secret": "top-secret-value"}');
    const err = (await startPayment({ ...opts }).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).not.toContain('top-secret-value');
    expect(fs.readFileSync(opts.credentialsFile, 'utf8')).toContain('top-secret-value');
  });
});

describe('credentials of another project or client (a switch to real Stytch after a local run)', () => {
  let auth: RunningAuthServer;
  let wallet: RunningWalletServer;
  let caller: { token: string };

  beforeAll(async () => {
    auth = await startAuth();
    wallet = await startWallet(auth);
    caller = await createCaller(auth);
  });
  afterAll(async () => {
    await wallet.close();
    await auth.close();
  });

  const options = () => ({
    stytchProject: projectOf(auth),
    walletServerUrl: wallet.url,
    credentialsFile: path.join(tempDir('payment-server').dir, 'credentials.json'),
  });
  const readFile = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  /** What the credentials file holds for a client of this suite's project. */
  const recordOf = (clientId: string, secret: string, more: Record<string, string> = {}) => ({
    project_id: auth.projectId,
    stytch_base_url: auth.url,
    client_id: clientId,
    client_secret: secret,
    ...more,
  });
  const setAside = (file: string) => fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith(`${path.basename(file)}.replaced-`));
  const localRun = {
    project_id: 'project-test-local',
    stytch_base_url: 'http://127.0.0.1:4010/',
    client_id: 'm2m-client-test-local',
    client_secret: 'local-secret-0123456789',
  };

  it('records the project and its base URL next to the client', async () => {
    const opts = options();
    const server = await startPayment({ ...opts, selfProvision: true });
    await server.close();
    expect(readFile(opts.credentialsFile)).toMatchObject({
      project_id: auth.projectId,
      stytch_base_url: auth.url,
      client_id: server.clientId,
    });
  });

  it('a file of another project and CLIENT_ID / CLIENT_SECRET set: the environment wins, the old file is kept aside, payments work', async () => {
    const client = await createClient(auth);
    const opts = options();
    fs.writeFileSync(opts.credentialsFile, JSON.stringify(localRun), { mode: 0o600 });
    const logs = new LogCapture();
    const server = await startPayment({
      ...opts,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      logger: logs.logger('payment-server'),
    });
    try {
      expect(server.clientId).toBe(client.clientId);
      expect(readFile(opts.credentialsFile)).toEqual(recordOf(client.clientId, client.clientSecret));
      const [kept] = setAside(opts.credentialsFile);
      expect(readFile(path.join(path.dirname(opts.credentialsFile), kept!))).toEqual(localRun);
      expect(logs.text()).toContain(
        `the credentials file held a client of project ${localRun.project_id} at ${localRun.stytch_base_url}, not of ${auth.projectId} at ${auth.url}`,
      );
      expect(logs.text()).not.toContain(localRun.client_secret);
      expect((await postPayment(server.url, pay({ debitAmount: 1 }), bearerHeader(caller.token))).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('a file of another project and no CLIENT_ID outside local mode: refuses to start in one line, and leaves the file alone', async () => {
    const opts = options();
    fs.writeFileSync(opts.credentialsFile, JSON.stringify(localRun));
    const err = (await startPayment({ ...opts, selfProvision: false }).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      `${opts.credentialsFile} holds a client of project ${localRun.project_id} at ${localRun.stytch_base_url}, not of ${auth.projectId} at ${auth.url}: set CLIENT_ID and CLIENT_SECRET to this project's client, or use a fresh DATA_DIR`,
    );
    expect(readFile(opts.credentialsFile)).toEqual(localRun);
  });

  it('a file of another project in local mode: kept aside, and a payment-service client of this project is provisioned', async () => {
    const opts = options();
    fs.writeFileSync(opts.credentialsFile, JSON.stringify(localRun));
    const server = await startPayment({ ...opts, selfProvision: true });
    try {
      expect(server.clientId).not.toBe(localRun.client_id);
      expect(readFile(opts.credentialsFile)).toMatchObject({ project_id: auth.projectId, client_id: server.clientId });
      expect(setAside(opts.credentialsFile)).toHaveLength(1);
      expect((await postPayment(server.url, pay({ debitAmount: 1 }), bearerHeader(caller.token))).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('CLIENT_ID naming another client of the same project: the environment wins', async () => {
    const [first, second] = [await createClient(auth), await createClient(auth)];
    const opts = options();
    fs.writeFileSync(opts.credentialsFile, JSON.stringify(recordOf(first.clientId, first.clientSecret)));
    const server = await startPayment({ ...opts, clientId: second.clientId, clientSecret: second.clientSecret });
    try {
      expect(server.clientId).toBe(second.clientId);
      expect(readFile(opts.credentialsFile).client_id).toBe(second.clientId);
      expect(setAside(opts.credentialsFile)).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('after a rotation, CLIENT_SECRET is older than the file: the file wins and payments work', async () => {
    const client = await createClient(auth);
    const admin = sdk(auth);
    const { m2m_client } = await admin.m2m.clients.secrets.rotateStart({ client_id: client.clientId });
    await admin.m2m.clients.secrets.rotate({ client_id: client.clientId });
    const opts = options();
    const rotated = recordOf(client.clientId, m2m_client.next_client_secret);
    fs.writeFileSync(opts.credentialsFile, JSON.stringify(rotated));
    const server = await startPayment({ ...opts, clientId: client.clientId, clientSecret: client.clientSecret });
    try {
      expect(readFile(opts.credentialsFile)).toEqual(rotated);
      expect(setAside(opts.credentialsFile)).toHaveLength(0);
      expect((await postPayment(server.url, pay({ debitAmount: 1 }), bearerHeader(caller.token))).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('a rotation in progress with CLIENT_ID / CLIENT_SECRET set: the file still wins, on its next secret', async () => {
    const client = await createClient(auth);
    const { m2m_client } = await sdk(auth).m2m.clients.secrets.rotateStart({ client_id: client.clientId });
    const opts = options();
    const pending = recordOf(client.clientId, client.clientSecret, { next_client_secret: m2m_client.next_client_secret });
    fs.writeFileSync(opts.credentialsFile, JSON.stringify(pending));
    const server = await startPayment({ ...opts, clientId: client.clientId, clientSecret: client.clientSecret });
    try {
      expect(readFile(opts.credentialsFile)).toEqual(pending);
      expect((await request(server.url, 'GET', '/admin/m2m/secret-rotation', { token: ADMIN_KEY })).body).toMatchObject({
        rotation: 'started',
        in_use: 'next_client_secret',
      });
    } finally {
      await server.close();
    }
  });

  it('a secret reset elsewhere (the file is refused, CLIENT_SECRET accepted): the environment wins and the file is rewritten', async () => {
    const client = await createClient(auth);
    const admin = sdk(auth);
    const { m2m_client } = await admin.m2m.clients.secrets.rotateStart({ client_id: client.clientId });
    await admin.m2m.clients.secrets.rotate({ client_id: client.clientId });
    const opts = options();
    fs.writeFileSync(opts.credentialsFile, JSON.stringify(recordOf(client.clientId, client.clientSecret)));
    const server = await startPayment({ ...opts, clientId: client.clientId, clientSecret: m2m_client.next_client_secret });
    try {
      expect(readFile(opts.credentialsFile).client_secret).toBe(m2m_client.next_client_secret);
      expect((await postPayment(server.url, pay({ debitAmount: 1 }), bearerHeader(caller.token))).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('a file written before the project was recorded: kept, and the project is recorded', async () => {
    const client = await createClient(auth);
    const opts = options();
    fs.writeFileSync(opts.credentialsFile, JSON.stringify({ client_id: client.clientId, client_secret: client.clientSecret }));
    const server = await startPayment({ ...opts });
    try {
      expect(readFile(opts.credentialsFile)).toEqual(recordOf(client.clientId, client.clientSecret));
      expect((await postPayment(server.url, pay({ debitAmount: 1 }), bearerHeader(caller.token))).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('lets a payment in flight finish, then stops accepting', async () => {
    const auth = await startAuth();
    const client = await sdk(auth).m2m.clients.create({ scopes: ['read:users', 'write:wallets'] });
    const { token } = await createCaller(auth);
    // A slow wallet: the balance check takes 300 ms.
    const slow = await listen(
      (req: http.IncomingMessage, res: http.ServerResponse) => {
        const answer = (body: object) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.url === '/api/check-balance')
          setTimeout(() => answer({ customerName: 'john_doe', walletId: JOHN.walletId, walletBalance: 1790 }), 300);
        else answer({ transactionId: 'tx-1', walletBalance: 1690 });
      },
      0,
      '127.0.0.1',
    );
    const server = await startPayment({
      stytchProject: projectOf(auth),
      walletServerUrl: slow.url,
      clientId: client.m2m_client.client_id,
      clientSecret: client.m2m_client.client_secret,
    });
    try {
      const inFlight = postPayment(server.url, pay(), bearerHeader(token));
      await new Promise((r) => setTimeout(r, 100));
      const closed = server.close();
      const res = await inFlight;
      await closed;
      expect(res.status).toBe(200);
      expect(res.body.transactionId).toBe('tx-1');
      await expect(postPayment(server.url, pay(), bearerHeader(token))).rejects.toThrow();
    } finally {
      await server.close();
      await closeServer(slow.server, 100);
      await auth.close();
    }
  });
});
