import fs from 'node:fs';
import path from 'node:path';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { runMain } from '../../test/support/childServers';
import { freePort } from '../../test/support/freePort';
import { bearerHeader, pay, postPayment, request, sdk, startAuth, startWallet, tempDir } from './support/stack';

/** The real entry point in its own process (its build, as `npm run start:prod -w payment-server` runs it), once it listens. */
async function startMain(env: Record<string, string>) {
  const port = await freePort();
  const run = runMain('payment-server', { ...env, PAYMENT_SERVER_PORT: String(port) });
  await run.printed('payment-server listening');
  return { ...run, url: `http://127.0.0.1:${port}/`, output: () => run.stdout() + run.stderr() };
}

// The entry point as production runs it, in local mode with nothing configured
// but where the auth-server and the wallet are.
describe('main (npm run start:prod -w payment-server)', () => {
  let auth: RunningAuthServer;
  let wallet: RunningWalletServer;
  const dataDir = tempDir('payment-server').dir;
  let env: Record<string, string>;

  beforeAll(async () => {
    auth = await startAuth();
    wallet = await startWallet(auth);
    env = {
      STYTCH_ENV: 'local',
      STYTCH_PROJECT_ID: auth.projectId,
      STYTCH_SECRET: auth.projectSecret,
      AUTH_SERVER_PORT: String(auth.port),
      WALLET_SERVER_URL: wallet.url,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    await wallet.close();
    await auth.close();
  });

  it('provisions its client, the demo caller and the admin key, prints where they are (never a secret), pays as the demo caller, and stops on SIGTERM', async () => {
    const first = await startMain(env);
    const keyFile = path.join(dataDir, 'payment-server-admin-key');
    const key = fs.readFileSync(keyFile, 'utf8').trim();
    const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'payment-server-credentials.json'), 'utf8')) as {
      client_id: string;
      client_secret: string;
    };
    const callerFile = path.join(dataDir, 'demo-caller-credentials.json');
    const caller = JSON.parse(fs.readFileSync(callerFile, 'utf8')) as { client_id: string; client_secret: string };

    expect(first.output()).toContain(keyFile);
    expect(first.output()).toContain(callerFile);
    expect(first.output()).not.toContain(key);
    expect(first.output()).not.toContain(credentials.client_secret);
    expect(first.output()).not.toContain(caller.client_secret);
    expect(first.output()).not.toContain(auth.projectSecret);
    const { access_token } = await sdk(auth).m2m.token({ client_id: caller.client_id, client_secret: caller.client_secret });
    expect((await postPayment(first.url, pay({ debitAmount: 1 }), bearerHeader(access_token))).status).toBe(200);
    expect((await postPayment(first.url, pay({ debitAmount: 1 }))).status).toBe(401);
    expect((await request(first.url, 'GET', '/admin/m2m/secret-rotation', { token: key })).status).toBe(200);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // A restart finds the same key and client.
    const second = await startMain(env);
    try {
      expect((await request(second.url, 'GET', '/admin/m2m/secret-rotation', { token: key })).body.client_id).toBe(credentials.client_id);
      const { m2m_clients } = await sdk(auth).m2m.clients.search({
        query: { operator: 'AND', operands: [{ filter_name: 'client_name', filter_value: ['payment-service'] }] },
      });
      expect(m2m_clients).toHaveLength(1);
      const callers = await sdk(auth).m2m.clients.search({
        query: { operator: 'AND', operands: [{ filter_name: 'client_name', filter_value: ['checkout-service'] }] },
      });
      expect(callers.m2m_clients.map((c) => c.client_id)).toEqual([caller.client_id]);
      expect(JSON.parse(fs.readFileSync(callerFile, 'utf8'))).toEqual(caller);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('refuses to start with one clear line when ADMIN_API_KEY is too short', async () => {
    const run = runMain('payment-server', { ...env, ADMIN_API_KEY: 'too-short-key' });
    const code = await run.exited;
    const stderr = run.stderr();
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^payment-server: ADMIN_API_KEY is too short/)]);
    expect(stderr).not.toContain('too-short-key');
  });
});
