import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freshStackEnv, npmStart, repoRoot, type NpmStart, type StackEnv } from '../../launcher/test/support/npmStart';
import { bashBlocks, onThisStack } from '../../test/support/readmeBlocks';

const run = promisify(execFile);

describe("the README's curl walkthrough, run as written against npm start", () => {
  let stack: NpmStart;
  let env: StackEnv;
  beforeAll(async () => {
    env = await freshStackEnv();
    stack = npmStart(env);
    await stack.waitFor('Stytch M2M stack is ready');
  });
  afterAll(() => stack.stop());

  const blocks = bashBlocks('Walkthrough with curl');

  it('has the four blocks this test knows', () => {
    expect(blocks).toHaveLength(4);
  });

  let firstPayment: { transactionId: string };

  it("gets the demo caller a token, pays once for two requests with one Idempotency-Key, refuses an overdraft (409, no balance), a destination we don't hold (404) and no token (401)", async () => {
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', onThisStack(blocks[0]!, env)], { cwd: repoRoot });
    const [first, retry, overdraft, nowhere, anonymous] = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(first).toMatchObject({ walletBalance: 1690, idempotencyKey: 'order-1001' });
    expect(retry).toEqual(first);
    expect(overdraft.error.code).toBe('insufficient_funds');
    expect(overdraft.error.message).not.toMatch(/\d/);
    expect(nowhere.error.code).toBe('destination_not_found');
    expect(anonymous.error.code).toBe('missing_token');
    firstPayment = first;
  });

  it('gets a token by hand and shows 200, 401 with a challenge, and 403 insufficient_scope at the wallet', async () => {
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', onThisStack(blocks[1]!, env)], { cwd: repoRoot });
    expect(stdout).toContain('"customerName":"john_doe"');
    expect(stdout).toMatch(/HTTP\/1.1 401[\s\S]*WWW-Authenticate: Bearer realm=/i);
    expect(stdout).toMatch(/HTTP\/1.1 403[\s\S]*error="insufficient_scope"[^\n]*scope="write:wallets"/i);
  });

  it('rotates the secret and searches clients through the admin routes, showing no secret', async () => {
    const credentials = () =>
      JSON.parse(fs.readFileSync(path.join(env.DATA_DIR, 'payment-server-credentials.json'), 'utf8')) as { client_secret: string };
    const before = credentials().client_secret;
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', onThisStack(blocks[2]!, env)], { cwd: repoRoot });
    const [rotation, search] = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const after = credentials().client_secret;
    expect(after).not.toBe(before);
    expect(rotation.client_secret_last_four).toBe(after.slice(-4));
    expect(search.m2m_clients.map((c: { client_name: string }) => c.client_name)).toContain('payment-service');
    expect(stdout).not.toContain(after);
    expect(stdout).not.toContain(before);
  });

  it('makes another caller the Stytch way (a write:payments client, a token, Bearer), whose order-1001 is its own payment', async () => {
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', onThisStack(blocks[3]!, env)], { cwd: repoRoot });
    const paid = JSON.parse(stdout.trim()) as { transactionId: string; idempotencyKey: string; customerName: string };
    expect(paid).toMatchObject({ customerName: 'jane_doe', idempotencyKey: 'order-1001', transactionId: expect.any(String) });
    expect(paid.transactionId).not.toBe(firstPayment.transactionId);
  });

  it("scrapes the three servers' metrics as the Metrics section shows, after the payments above", async () => {
    const [block, ...others] = bashBlocks('Metrics');
    expect(others).toHaveLength(0);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', onThisStack(block!, env)], { cwd: repoRoot });
    const value = (sample: string) => Number(new RegExp(`^${sample.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(stdout)?.[1]);
    // Tokens for the walkthrough's callers and the payment-server; three paid payments, one of them a replay.
    expect(value('m2m_tokens_issued_total')).toBeGreaterThanOrEqual(4);
    expect(value('payments_total{outcome="debited"}')).toBe(2);
    expect(value('payments_total{outcome="replayed"}')).toBe(1);
    expect(value('payments_total{outcome="insufficient_funds"}')).toBe(1);
    expect(value('m2m_token_verifications_total{outcome="missing_token"}')).toBeGreaterThanOrEqual(1);
    const token = fs.readFileSync(path.join(env.DATA_DIR, 'metrics-token'), 'utf8').trim();
    expect(stdout).not.toContain(token);
  });

  it("reads the audit trail as the console section shows: the walkthrough's tokens and changes, newest first, no secret", async () => {
    const [block] = bashBlocks('The console and the audit log');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', onThisStack(block!, env)], { cwd: repoRoot });
    const page = JSON.parse(stdout.trim()) as { events: Array<{ event_id: number; type: string }>; next_cursor: string | null };
    expect(page.events).toHaveLength(5);
    const ids = page.events.map((e) => e.event_id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    // The walkthrough's last step made a client and got it a token: the newest events say so.
    expect(page.events.map((e) => e.type)).toEqual(expect.arrayContaining(['token.issued', 'client.created']));
    expect(page.next_cursor).toEqual(expect.any(String));
    const project = JSON.parse(fs.readFileSync(path.join(env.DATA_DIR, 'stytch-project.json'), 'utf8')) as { secret: string };
    expect(stdout).not.toContain(project.secret);
  });

  describe('"Give your customers M2M credentials", its two blocks run in order in one shell', () => {
    const customerBlocks = bashBlocks('Give your customers M2M credentials');

    it('has the two blocks this test knows', () => {
      expect(customerBlocks).toHaveLength(2);
    });

    it('discovers the wallet, makes a tenant client, uses it, refuses an escalation, rotates its secret and lists without secrets', async () => {
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', onThisStack(customerBlocks.join('\n'), env)], { cwd: repoRoot });
      const lines = stdout.trim().split('\n');
      const [discovery, service, balance, escalation, completed, oldSecret] = lines.slice(0, 6).map((line) => JSON.parse(line));
      const walletUrl = `http://127.0.0.1:${env.WALLET_SERVER_PORT}`;
      expect(discovery).toMatchObject({
        issuer: walletUrl,
        token_endpoint: `${walletUrl}/oauth2/token`,
        jwks_uri: `${walletUrl}/.well-known/jwks.json`,
      });
      expect(service.m2m_client).toMatchObject({
        client_name: 'demo-reporting',
        scopes: ['read:users'],
        trusted_metadata: { tenant_id: 'demo' },
      });
      expect(balance).toMatchObject({ customerName: 'john_doe' });
      expect(escalation.error.code).toBe('scope_not_held');
      expect(completed.m2m_client.next_client_secret_last_four).toBeNull();
      expect(oldSecret).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      expect(lines[6]).toBe('200');
      const listed = JSON.parse(lines[7]!) as { m2m_clients: { client_name: string }[] };
      expect(listed.m2m_clients.map((c) => c.client_name).sort()).toEqual(['demo-reporting', 'demo-tenant-owner']);
      // The service's first secret shows in the create answer (echoed above) only; the list shows none.
      expect(lines[7]).not.toContain(service.m2m_client.client_secret);
    });
  });
});
