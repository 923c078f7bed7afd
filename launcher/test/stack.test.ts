import fs from 'node:fs';
import path from 'node:path';
import { createServer } from 'node:net';
import { startAuthServer } from '@m2m/auth-server';
import { createStytchClient } from '@m2m/shared';
import { freshStackEnv, logLinesOf, npmStart, payAsTheBannerSays, type NpmStart, type StackEnv } from './support/npmStart';

const READY = 'Stytch M2M stack is ready';

describe('npm start (the whole stack)', () => {
  let stack: NpmStart | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  // The first two tests are one clone's story: a first start, then the next one on what it left.
  let firstStart: StackEnv | undefined;

  it('starts all three servers with no .env, prints one block, and its commands get the demo caller a token and pay; SIGTERM stops everything with code 0', async () => {
    const env = await freshStackEnv();
    firstStart = env;
    stack = npmStart(env);
    const output = await stack.waitFor(READY);
    expect(output).toContain(`auth-server     http://127.0.0.1:${env.AUTH_SERVER_PORT}/`);
    // The console's link answers with its sign-in page.
    const consoleUrl = `http://127.0.0.1:${env.AUTH_SERVER_PORT}/console`;
    expect(output).toContain(`console         ${consoleUrl}   sign in with the project credentials`);
    expect(await (await fetch(consoleUrl)).text()).toContain('action="/console/sign-in"');
    expect(output).toContain(`wallet-server   http://127.0.0.1:${env.WALLET_SERVER_PORT}/`);
    expect(output).toContain(`payment-server  http://127.0.0.1:${env.PAYMENT_SERVER_PORT}/`);
    expect(output).toContain(path.join('payment-server-admin-key'));

    expect(await payAsTheBannerSays(output)).toMatchObject({ transactionId: expect.any(String), walletBalance: 1690 });
    // The demo caller's credentials are kept like the payment-server's own: 0600 under DATA_DIR.
    const demoCaller = path.join(env.DATA_DIR, 'demo-caller-credentials.json');
    expect(fs.statSync(demoCaller).mode & 0o777).toBe(0o600);

    // Piped output is JSON lines, one server per `name`, none of them carrying a secret.
    for (const name of ['auth-server', 'wallet-server', 'payment-server']) expect(logLinesOf(output, name).length).toBeGreaterThan(0);
    const project = JSON.parse(fs.readFileSync(path.join(env.DATA_DIR, 'stytch-project.json'), 'utf8')) as { secret: string };
    const adminKey = fs.readFileSync(path.join(env.DATA_DIR, 'payment-server-admin-key'), 'utf8').trim();
    const callerSecret = (JSON.parse(fs.readFileSync(demoCaller, 'utf8')) as { client_secret: string }).client_secret;
    expect(output).not.toContain(project.secret);
    expect(output).not.toContain(adminKey);
    expect(output).not.toContain(callerSecret);

    expect(await stack.stop()).toBe(0);
    for (const port of [env.AUTH_SERVER_PORT, env.WALLET_SERVER_PORT, env.PAYMENT_SERVER_PORT]) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    }
  });

  it('reuses the project, the payment-service client, the demo caller and the books on the next start; when one server dies it stops the others and exits non-zero', async () => {
    // The DATA_DIR the first start left behind (it stopped with code 0 just above).
    const env = firstStart!;
    const projectFile = path.join(env.DATA_DIR, 'stytch-project.json');
    const credentialsFile = path.join(env.DATA_DIR, 'payment-server-credentials.json');
    const demoCaller = path.join(env.DATA_DIR, 'demo-caller-credentials.json');
    const state = () => [
      fs.readFileSync(projectFile, 'utf8'),
      JSON.parse(fs.readFileSync(credentialsFile, 'utf8')).client_id,
      fs.readFileSync(demoCaller, 'utf8'),
    ];
    const before = state();

    stack = npmStart(env);
    const output = await stack.waitFor(READY);
    expect(state()).toEqual(before);
    // The wallet kept its books: the first start's payment of 100 stands, and this one is another.
    expect(await payAsTheBannerSays(output)).toMatchObject({ walletBalance: 1590 });

    // When one server dies, the launcher stops the others and exits non-zero.
    const walletPid = logLinesOf(output, 'wallet-server').find((line) => typeof line.pid === 'number')?.pid as number;
    process.kill(walletPid, 'SIGKILL');
    expect(await stack.exited).toBe(1);
    expect(stack.output()).toMatch(/wallet-server exited .*stopping the others/);
    for (const port of [env.AUTH_SERVER_PORT, env.PAYMENT_SERVER_PORT]) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    }
  });

  it('names the port and the variable that changes it when a port is taken, and exits non-zero', async () => {
    const env = await freshStackEnv();
    const blocker = createServer().listen(Number(env.WALLET_SERVER_PORT), '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      stack = npmStart(env);
      expect(await stack.exited).toBe(1);
      expect(stack.output()).toContain(
        `Port ${env.WALLET_SERVER_PORT} (wallet-server) is already in use: set WALLET_SERVER_PORT to another port`,
      );
    } finally {
      blocker.close();
    }
  });

  it('names an invalid setting in one line and exits non-zero', async () => {
    stack = npmStart(await freshStackEnv({ WALLET_SERVER_PORT: 'forty' }));
    expect(await stack.exited).toBe(1);
    expect(stack.output()).toContain('WALLET_SERVER_PORT is invalid ("forty")');
  });

  it('starts each server alone, as in the tutorial (npm start -w <server>), and they work together', async () => {
    const env = await freshStackEnv();
    const started: NpmStart[] = [];
    try {
      for (const server of ['auth-server', 'wallet-server', 'payment-server']) {
        const alone = npmStart(env, server);
        started.push(alone);
        await alone.waitFor(/"msg":"[^"]*listening/);
      }
      // The payment-server alone provisions the demo caller too (local mode): pay with its token.
      const caller = JSON.parse(fs.readFileSync(path.join(env.DATA_DIR, 'demo-caller-credentials.json'), 'utf8')) as {
        client_id: string;
        client_secret: string;
      };
      const project = JSON.parse(fs.readFileSync(path.join(env.DATA_DIR, 'stytch-project.json'), 'utf8')) as {
        project_id: string;
        secret: string;
      };
      const sdk = createStytchClient({
        projectId: project.project_id,
        secret: project.secret,
        baseUrl: `http://127.0.0.1:${env.AUTH_SERVER_PORT}/`,
      });
      const { access_token } = await sdk.m2m.token({
        client_id: caller.client_id,
        client_secret: caller.client_secret,
        scopes: ['write:payments'],
      });
      const paid = await fetch(`http://127.0.0.1:${env.PAYMENT_SERVER_PORT}/initiate-payment`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${access_token}` },
        body: JSON.stringify({ customerId: '67uhjio098uhgt6l', debitAmount: 100, destinationWalletId: 'ui099jlolrrao6g' }),
      });
      expect(paid.status).toBe(200);
    } finally {
      for (const alone of started.reverse()) expect(await alone.stop()).toBe(0);
    }
  });

  it('with STYTCH_ENV set to a Stytch-compatible URL, starts only the wallet and payment servers, against it', async () => {
    // Stands in for Stytch's hosted API, which this machine can't reach.
    const remote = await startAuthServer({ port: 0 });
    try {
      const sdk = createStytchClient({ projectId: remote.projectId, secret: remote.projectSecret, baseUrl: remote.url });
      const { m2m_client } = await sdk.m2m.clients.create({ client_name: 'payment-service', scopes: ['read:users', 'write:wallets'] });
      const env = await freshStackEnv({
        STYTCH_ENV: remote.url,
        STYTCH_PROJECT_ID: remote.projectId,
        STYTCH_SECRET: remote.projectSecret,
        CLIENT_ID: m2m_client.client_id,
        CLIENT_SECRET: m2m_client.client_secret,
        ADMIN_API_KEY: 'an-admin-key-of-at-least-thirty-two-characters',
      });
      stack = npmStart(env);
      const output = await stack.waitFor(READY);
      expect(output).toContain(`Stytch at ${remote.url}`);
      expect(output).not.toContain('auth-server     http');
      expect(output).not.toContain('/console');
      expect(logLinesOf(output, 'auth-server')).toHaveLength(0);
      await expect(fetch(`http://127.0.0.1:${env.AUTH_SERVER_PORT}/healthz`)).rejects.toThrow();
      // Against Stytch, a caller is any M2M client with write:payments, made with the project's credentials.
      const checkout = await sdk.m2m.clients.create({ client_name: 'checkout-service', scopes: ['write:payments'] });
      const { access_token } = await sdk.m2m.token({
        client_id: checkout.m2m_client.client_id,
        client_secret: checkout.m2m_client.client_secret,
      });
      expect(await payAsTheBannerSays(output, { token: access_token })).toMatchObject({
        transactionId: expect.any(String),
        walletBalance: 1690,
      });
    } finally {
      await stack?.stop();
      await remote.close();
    }
  });
});
