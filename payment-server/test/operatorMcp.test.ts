import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import type { RunningPaymentServer } from '../src/server';
import {
  ADMIN_KEY,
  createClient,
  projectOf,
  request,
  startAuth,
  startPayment,
  startWallet,
  tempDir,
  type TestClient,
} from './support/stack';

// The operator's agent reads the M2M clients through MCP at /admin/mcp, with the admin key, the real SDK client and a real auth-server.
describe('operator MCP tools (/admin/mcp, read-only)', () => {
  const dir = tempDir('operator-mcp').dir;
  const credentialsFile = path.join(dir, 'payment-server-credentials.json');
  let auth: RunningAuthServer;
  let wallet: RunningWalletServer;
  let own: TestClient;
  let payment: RunningPaymentServer;
  let operator: Client;

  beforeAll(async () => {
    auth = await startAuth();
    wallet = await startWallet(auth);
    own = await createClient(auth);
    await createClient(auth, ['write:payments'], 'billing-service');
    payment = await startPayment({
      stytchProject: projectOf(auth),
      walletServerUrl: wallet.url,
      credentialsFile,
      clientId: own.clientId,
      clientSecret: own.clientSecret,
    });
    operator = new Client({ name: 'operator-agent', version: '1.0.0' });
    await operator.connect(
      new StreamableHTTPClientTransport(new URL('admin/mcp', payment.url), {
        requestInit: { headers: { Authorization: `Bearer ${ADMIN_KEY}` } },
      }),
    );
  });
  afterAll(async () => {
    await operator.close();
    await payment.close();
    await wallet.close();
    await auth.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const textOf = (result: object) => (result as { content: { text: string }[] }).content.map((part) => part.text).join(' ');

  it('offers only read-only tools: no tool creates, rotates, deactivates or deletes a client', async () => {
    const { tools } = await operator.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['search_clients', 'get_client', 'secret_rotation_status']);
    expect(tools.every((tool) => tool.annotations?.readOnlyHint === true)).toBe(true);
  });

  it('search_clients finds clients by name and shows last fours, never a secret', async () => {
    const found = await operator.callTool({
      name: 'search_clients',
      arguments: {
        query: { operator: 'OR', operands: [{ filter_name: 'client_name', filter_value: ['payment-service', 'billing-service'] }] },
      },
    });
    expect(found.isError).toBeFalsy();
    const { m2m_clients } = found.structuredContent as { m2m_clients: { client_name: string; client_secret_last_four: string }[] };
    expect(m2m_clients.map((c) => c.client_name).sort()).toEqual(['billing-service', 'payment-service']);
    expect(m2m_clients.find((c) => c.client_name === 'payment-service')?.client_secret_last_four).toBe(own.clientSecret.slice(-4));
    expect(JSON.stringify(found)).not.toContain(own.clientSecret);
    expect(JSON.stringify(found)).not.toContain('"client_secret"');
  });

  it("get_client reads one client; an unknown id is a tool error with Stytch's answer, a malformed one names the field", async () => {
    const one = await operator.callTool({ name: 'get_client', arguments: { client_id: own.clientId } });
    expect(one.structuredContent).toMatchObject({
      m2m_client: { client_id: own.clientId, status: 'active', scopes: ['read:users', 'write:wallets'] },
    });

    const unknown = await operator.callTool({ name: 'get_client', arguments: { client_id: 'm2m-client-test-nobody' } });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/not_found/);

    const malformed = await operator.callTool({ name: 'get_client', arguments: { client_id: '..' } });
    expect(malformed.isError).toBe(true);
    expect(textOf(malformed)).toMatch(/client_id/);
  });

  it("secret_rotation_status follows the payment-server's rotation (started through the admin route), in last fours", async () => {
    const idle = await operator.callTool({ name: 'secret_rotation_status', arguments: {} });
    expect(idle.structuredContent).toMatchObject({ client_id: own.clientId, rotation: 'none', in_use: 'client_secret' });

    const started = await request(payment.url, 'POST', '/admin/m2m/secret-rotation/start', { token: ADMIN_KEY, body: {} });
    expect(started.status).toBe(200);
    try {
      const during = await operator.callTool({ name: 'secret_rotation_status', arguments: {} });
      expect(during.structuredContent).toMatchObject({
        rotation: 'started',
        next_client_secret_last_four: started.body.next_client_secret_last_four,
      });
    } finally {
      await request(payment.url, 'POST', '/admin/m2m/secret-rotation/cancel', { token: ADMIN_KEY, body: {} });
    }
  });

  it('answers 401 without the admin key, before any MCP message is read', async () => {
    const res = await request(payment.url, 'POST', '/admin/mcp', { body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });
});
