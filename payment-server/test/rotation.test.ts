import { setTimeout as delay } from 'node:timers/promises';
import fs from 'node:fs';
import path from 'node:path';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { ConfigError } from '@m2m/shared';
import type { CountingProxy } from '../../test/support/countingProxy';
import type { StytchProject } from '@m2m/shared';
import {
  ADMIN_KEY,
  bearerHeader,
  createCaller,
  createClient,
  LogCapture,
  postPayment,
  request,
  sdk,
  startAuthBehindProxy,
  startPayment,
  startWallet,
  tempDir,
  type TestClient,
} from './support/stack';

interface Stored {
  client_id: string;
  client_secret: string;
  next_client_secret?: string;
}

// Secret rotation of the payment-server's own client, end to end, and what a restart makes of the
// credentials file at every point a rotation can be interrupted.
describe('one-shot secret rotation', () => {
  let auth: RunningAuthServer;
  let authProxy: CountingProxy;
  let project: StytchProject;
  let wallet: RunningWalletServer;
  let caller: TestClient;

  beforeAll(async () => {
    // Short-lived tokens, so that payments keep fetching tokens (with whichever secret is current) during the rotations.
    ({ auth, proxy: authProxy, project } = await startAuthBehindProxy({ tokenLifetimeSeconds: 3 }));
    wallet = await startWallet(auth, {
      stytchProject: project,
      seed: [
        { customerId: 'c-1', customerName: 'rich', walletId: 'w-1', balance: 1_000_000_000 },
        { customerId: 'c-2', customerName: 'payee', walletId: 'w-2', balance: 0 },
      ],
    });
    caller = await createCaller(auth);
  });
  afterAll(async () => {
    await wallet.close();
    await authProxy.close();
    await auth.close();
  });

  const start = (credentialsFile: string, client: TestClient, logger = new LogCapture().logger('payment-server')) =>
    startPayment({
      stytchProject: project,
      walletServerUrl: wallet.url,
      credentialsFile,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      logger,
      tokenProvider: { retryBaseDelayMs: 10, retryMaxDelayMs: 50 },
    });
  // The client's part of the file (the project it records has its own test, in startup.test.ts).
  const read = (file: string) => {
    const { project_id: _project, stytch_base_url: _url, ...client } = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    return client as unknown as Stored;
  };
  const payment = (debitAmount = 1) => ({ customerId: 'c-1', debitAmount, destinationWalletId: 'w-2' });
  /** A payment by the caller, with a token of its own fetched for it (tokens here live 3 s). */
  const payAsCaller = async (url: string) => {
    const { access_token } = await sdk(auth).m2m.token({ client_id: caller.clientId, client_secret: caller.clientSecret });
    return postPayment(url, payment(), bearerHeader(access_token));
  };
  const tokenWith = (clientId: string, secret: string) => sdk(auth).m2m.token({ client_id: clientId, client_secret: secret });

  it('rotates three times while payments run, and no payment fails', async () => {
    const client = await createClient(auth);
    const file = path.join(tempDir('payment-server').dir, 'credentials.json');
    const logs = new LogCapture();
    const server = await start(file, client, logs.logger('payment-server'));
    const statuses: number[] = [];
    let running = true;
    const payer = async () => {
      while (running) statuses.push((await payAsCaller(server.url)).status);
    };
    // Drop cached tokens all the time, so token requests (with whichever secret is current) keep
    // happening in every window of the rotations: between start and complete, and right after.
    const churn = async () => {
      while (running) {
        server.tokenProvider.invalidate(['read:users']);
        server.tokenProvider.invalidate(['write:wallets']);
        await delay(20);
      }
    };
    const payers = [...Array.from({ length: 4 }, payer), churn()];
    /**
     * Waits for traffic, not for time: before and after each rotation, 6 more payments and 13 more
     * token requests (tokens fetched throughout the run, not just served from the cache).
     */
    const moreTraffic = async () => {
      const payments = statuses.length + 6;
      const tokenRequests = server.tokenProvider.stats().tokenRequests + 13;
      while (statuses.length < payments || server.tokenProvider.stats().tokenRequests < tokenRequests) await delay(10);
    };
    try {
      const secrets = [client.clientSecret];
      for (let i = 0; i < 3; i++) {
        await moreTraffic();
        const res = await request(server.url, 'POST', '/admin/m2m/secret-rotation', { token: ADMIN_KEY });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ rotation: 'completed', next_client_secret_last_four: null, in_use: 'client_secret' });
        secrets.push(read(file).client_secret);
        expect(res.body.client_secret_last_four).toBe(secrets.at(-1)!.slice(-4));
      }
      await moreTraffic();
      running = false;
      await Promise.all(payers);

      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      // Only the last secret works; the file holds it, with no pending rotation.
      expect(read(file)).toEqual({ client_id: client.clientId, client_secret: secrets[3] });
      for (const old of secrets.slice(0, 3))
        await expect(tokenWith(client.clientId, old)).rejects.toMatchObject({ error_type: 'invalid_client' });
      for (const secret of secrets) expect(logs.text()).not.toContain(secret);
    } finally {
      running = false;
      await Promise.all(payers);
      await server.close();
    }
  });

  it('after a rotation, a restart uses the new secret from the file, not CLIENT_SECRET', async () => {
    const client = await createClient(auth);
    const file = path.join(tempDir('payment-server').dir, 'credentials.json');
    const first = await start(file, client);
    expect((await request(first.url, 'POST', '/admin/m2m/secret-rotation', { token: ADMIN_KEY })).status).toBe(200);
    await first.close();

    // Restarted with the same (now stale) CLIENT_SECRET in its environment.
    authProxy.reset();
    const second = await start(file, client);
    try {
      expect((await payAsCaller(second.url)).status).toBe(200);
      expect(authProxy.tokenRequestTotal()).toBeGreaterThan(0);
      await expect(tokenWith(client.clientId, client.clientSecret)).rejects.toMatchObject({ error_type: 'invalid_client' });
    } finally {
      await second.close();
    }
  });

  it('cancels and keeps the old secret when no token can be had with the new one', async () => {
    const client = await createClient(auth);
    const file = path.join(tempDir('payment-server').dir, 'credentials.json');
    const server = await start(file, client);
    try {
      expect((await payAsCaller(server.url)).status).toBe(200);
      // The token endpoint goes away after rotateStart (a management call, still answered): the proof fails.
      authProxy.setTokenMode('drop');
      const res = await request(server.url, 'POST', '/admin/m2m/secret-rotation', { token: ADMIN_KEY });
      authProxy.setTokenMode('forward');

      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('rotation_proof_failed');
      expect(read(file)).toEqual({ client_id: client.clientId, client_secret: client.clientSecret });
      const { m2m_client } = await sdk(auth).m2m.clients.get({ client_id: client.clientId });
      expect(m2m_client.next_client_secret_last_four ?? null).toBeNull();
      await expect(tokenWith(client.clientId, client.clientSecret)).resolves.toHaveProperty('access_token');
      // Payments go on with the old secret, cached tokens or new ones.
      server.tokenProvider.invalidate(['read:users']);
      expect((await payAsCaller(server.url)).status).toBe(200);
    } finally {
      authProxy.setTokenMode('forward');
      await server.close();
    }
  });

  it('a rotation Stytch started whose next secret never reached the file (a crash) is cancelled and started afresh', async () => {
    const client = await createClient(auth);
    const file = path.join(tempDir('payment-server').dir, 'credentials.json');
    const server = await start(file, client);
    try {
      // As if the payment-server died between Stytch's answer to rotate/start and writing the file.
      await sdk(auth).m2m.clients.secrets.rotateStart({ client_id: client.clientId });
      const res = await request(server.url, 'POST', '/admin/m2m/secret-rotation', { token: ADMIN_KEY });
      expect(res.status).toBe(200);
      const stored = read(file);
      expect(stored.next_client_secret).toBeUndefined();
      expect((await tokenWith(client.clientId, stored.client_secret)).access_token).toBeTruthy();
      expect((await payAsCaller(server.url)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('answers 409 to a second rotation while one runs', async () => {
    const client = await createClient(auth);
    const server = await start(path.join(tempDir('payment-server').dir, 'credentials.json'), client);
    try {
      const both = await Promise.all([
        request(server.url, 'POST', '/admin/m2m/secret-rotation', { token: ADMIN_KEY }),
        request(server.url, 'POST', '/admin/m2m/secret-rotation', { token: ADMIN_KEY }),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(both.find((r) => r.status === 409)!.body.error.code).toBe('rotation_busy');
    } finally {
      await server.close();
    }
  });

  describe('restart after a rotation was interrupted', () => {
    /** A client whose rotation was started at Stytch and whose file holds both secrets, as step 2 leaves them. */
    const interrupted = async () => {
      const client = await createClient(auth);
      const { m2m_client } = await sdk(auth).m2m.clients.secrets.rotateStart({ client_id: client.clientId });
      const file = path.join(tempDir('payment-server').dir, 'credentials.json');
      const stored: Stored = {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        next_client_secret: m2m_client.next_client_secret,
      };
      fs.writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
      return { client, file, next: m2m_client.next_client_secret };
    };

    it('killed after start: runs on the next secret and leaves the rotation for /complete', async () => {
      const { client, file, next } = await interrupted();
      const server = await start(file, client);
      try {
        expect((await payAsCaller(server.url)).status).toBe(200);
        const status = await request(server.url, 'GET', '/admin/m2m/secret-rotation', { token: ADMIN_KEY });
        expect(status.body).toMatchObject({
          rotation: 'started',
          in_use: 'next_client_secret',
          next_client_secret_last_four: next.slice(-4),
        });

        const done = await request(server.url, 'POST', '/admin/m2m/secret-rotation/complete', { token: ADMIN_KEY });
        expect(done.status).toBe(200);
        expect(read(file)).toEqual({ client_id: client.clientId, client_secret: next });
      } finally {
        await server.close();
      }
    });

    it('killed after Stytch completed it, before the file was written: finishes the file', async () => {
      const { client, file, next } = await interrupted();
      await sdk(auth).m2m.clients.secrets.rotate({ client_id: client.clientId });
      const server = await start(file, client);
      try {
        expect(read(file)).toEqual({ client_id: client.clientId, client_secret: next });
        expect((await payAsCaller(server.url)).status).toBe(200);
      } finally {
        await server.close();
      }
    });

    it('killed after Stytch cancelled it, before the file was written: drops the dead next secret', async () => {
      const { client, file } = await interrupted();
      await sdk(auth).m2m.clients.secrets.rotateCancel({ client_id: client.clientId });
      const server = await start(file, client);
      try {
        expect(read(file)).toEqual({ client_id: client.clientId, client_secret: client.clientSecret });
        expect((await payAsCaller(server.url)).status).toBe(200);
      } finally {
        await server.close();
      }
    });

    it('refuses to start, with one clear line, when neither secret in the file works', async () => {
      const client = await createClient(auth);
      const file = path.join(tempDir('payment-server').dir, 'credentials.json');
      fs.writeFileSync(
        file,
        JSON.stringify({
          client_id: client.clientId,
          client_secret: 'dead-secret-1-0123456789',
          next_client_secret: 'dead-secret-2-0123456789',
        }),
      );
      const err = await start(file, client).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).not.toContain('dead-secret');
    });
  });
});
