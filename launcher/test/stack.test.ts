import fs from 'node:fs';
import path from 'node:path';
import { createServer } from 'node:net';
import { startAuthServer } from '@m2m/auth-server';
import { createStytchClient } from '@m2m/shared';
import { freshStackEnv, logLinesOf, npmStart, payAsTheBannerSays, type NpmStart } from './support/npmStart';

const READY = 'Stytch M2M stack is ready';

describe('npm start (the whole stack)', () => {
  let stack: NpmStart | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
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
