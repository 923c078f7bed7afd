import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningPaymentServer } from '@m2m/payment-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { repoRoot } from '../launcher/test/support/npmStart';
import { connectWalletAgent } from '../examples/agent/walletAgent';
import type { CountingProxy } from './support/countingProxy';
import { bashBlocks, onThisStack } from './support/readmeBlocks';
import {
  ADMIN_API_KEY,
  closeAll,
  createM2MClient,
  JANE,
  JOHN,
  sdk,
  projectOf,
  startAuth,
  startAuthBehindProxy,
  startPayment,
  startWallet,
  tempDir,
} from './support/stack';

const run = promisify(execFile);

describe('examples/agent: an MCP client pays with client credentials (the real MCP SDK client, a real stack)', () => {
  it("runs the README's block: lists the tools, pays, and a retry with the same key moves the money once", async () => {
    const data = tempDir('agent');
    let auth: RunningAuthServer | undefined;
    let wallet: RunningWalletServer | undefined;
    let payment: RunningPaymentServer | undefined;
    try {
      auth = await startAuth();
      wallet = await startWallet(auth, { databaseFile: path.join(data.dir, 'wallet.db') });
      payment = await startPayment({
        stytchProject: projectOf(auth),
        walletServerUrl: wallet.url,
        credentialsFile: path.join(data.dir, 'payment-server-credentials.json'),
      });
      // What npm start leaves in DATA_DIR for the README's commands.
      fs.writeFileSync(path.join(data.dir, 'payment-server-admin-key'), ADMIN_API_KEY, { mode: 0o600 });
      const [block] = bashBlocks('Run it', 'examples/agent/README.md');
      const script = onThisStack(block!, {
        DATA_DIR: data.dir,
        AUTH_SERVER_PORT: new URL(auth.url).port,
        WALLET_SERVER_PORT: String(wallet.port),
        PAYMENT_SERVER_PORT: String(payment.port),
      });
      const before = await Promise.all([JOHN, JANE].map(async (c) => (await wallet!.wallets.findByCustomer(c.customerId))?.balance));

      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: repoRoot });
      const steps = Object.fromEntries(
        stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { step: string })
          .map((line) => [line.step, line]),
      ) as Record<string, Record<string, unknown>>;

      expect(steps.tools?.tools).toEqual(['check_balance', 'debit']);
      expect(steps.balance?.balance).toEqual({ customerName: 'john_doe', walletId: JOHN.walletId, walletBalance: before[0] });
      expect(steps.paid).toMatchObject({ replayed: false, walletBalance: before[0]! - 100 });
      expect(steps.retried).toEqual({ ...steps.paid, step: 'retried', replayed: true });
      expect(await Promise.all([JOHN, JANE].map(async (c) => (await wallet!.wallets.findByCustomer(c.customerId))?.balance))).toEqual([
        before[0]! - 100,
        before[1]! + 100,
      ]);
    } finally {
      await closeAll(payment, wallet, auth);
      data.remove();
    }
  });

  describe('discovery', () => {
    let auth: RunningAuthServer;
    let proxy: CountingProxy;
    let wallet: RunningWalletServer;
    let mcpUrl: string;

    beforeAll(async () => {
      // The auth-server behind a counting proxy: what reaches the project, through the wallet's token endpoint.
      ({ auth, proxy } = await startAuthBehindProxy());
      wallet = await startWallet(auth, { stytchProject: { projectId: auth.projectId, secret: auth.projectSecret, baseUrl: proxy.url } });
      mcpUrl = new URL('mcp', wallet.url).href;
    });
    afterAll(() => closeAll(wallet, auth, proxy));

    it("finds the wallet's token endpoint through the metadata and gets a token bound to the wallet", async () => {
      const credentials = await createM2MClient(sdk(auth), ['read:users'], 'discovering-agent');
      proxy.reset();
      // The wallet names itself as the authorization server (RFC 9728), in front of the project.
      const agent = await connectWalletAgent({ mcpUrl, ...credentials, issuer: wallet.url.replace(/\/$/, ''), scope: 'read:users' });
      try {
        const balance = await agent.callTool({ name: 'check_balance', arguments: { customerId: JANE.customerId } });
        expect(balance.structuredContent).toMatchObject({ walletId: JANE.walletId });
      } finally {
        await agent.close();
      }
      // Discovery was the wallet's; its token endpoint forwarded one request, with the wallet as `resource`.
      expect(proxy.requests()['GET /.well-known/oauth-authorization-server']).toBeUndefined();
      expect(proxy.tokenRequests()).toEqual({ 'read:users': 1 });
      expect(proxy.tokenResources()).toEqual({ [wallet.url.replace(/\/$/, '')]: 1 });
    });

    it('sends its credentials to no authorization server but the one it was given', async () => {
      const credentials = await createM2MClient(sdk(auth), ['read:users'], 'pinned-agent');
      proxy.reset();
      await expect(connectWalletAgent({ mcpUrl, ...credentials, issuer: 'https://auth.elsewhere.example' })).rejects.toThrow();
      expect(proxy.tokenRequestTotal()).toBe(0);
    });
  });
});
