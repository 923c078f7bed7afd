import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RunningAuthServer } from '@m2m/auth-server';
import type * as stytch from 'stytch';
import type { RunningWalletServer } from '../src/server';
import {
  accessToken,
  closeAll,
  createM2MClient,
  JANE,
  JOHN,
  resourceToken,
  sdk,
  startAuth,
  startWallet,
  tempDir,
  type M2MCredentials,
} from '../../test/support/stack';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw-http', version: '1' } },
};
const callTool = (name: string, args: object) => ({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: args } });

/** One JSON-RPC message to /mcp over plain HTTP, for what an SDK client hides: status and headers. */
function post(base: string, message: object, headers: Record<string, string> = {}) {
  return fetch(`${base}/mcp`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2025-11-25',
      ...headers,
    },
    body: JSON.stringify(message),
  });
}

/** The real MCP SDK client with a fixed token (discovery and token requests are the agent example's test). */
async function connect(base: string, token: string): Promise<Client> {
  const client = new Client({ name: 'wallet-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  return client;
}

const textOf = (result: object) => (result as { content: { text: string }[] }).content.map((part) => part.text).join(' ');

describe('wallet-server MCP endpoint (local auth-server: RFC 8707 resource in aud)', () => {
  let auth: RunningAuthServer;
  let admin: stytch.Client;
  let wallet: RunningWalletServer;
  let base: string;
  let agent: M2MCredentials;
  let reader: M2MCredentials;
  const data = tempDir('mcp');
  const clients: Client[] = [];

  beforeAll(async () => {
    auth = await startAuth();
    admin = sdk(auth);
    wallet = await startWallet(auth, { databaseFile: `${data.dir}/wallet.db` });
    base = wallet.url.replace(/\/$/, '');
    agent = await createM2MClient(admin, ['read:users', 'write:wallets'], 'pay-agent');
    reader = await createM2MClient(admin, ['read:users'], 'read-agent');
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await closeAll(wallet, auth);
    data.remove();
  });

  const open = async (token: string) => {
    const client = await connect(base, token);
    clients.push(client);
    return client;
  };
  const balanceOf = async (customerId: string) => (await wallet.wallets.findByCustomer(customerId))?.balance;

  it('answers 401 without a token, pointing at the RFC 9728 metadata the client discovers the authorization server from', async () => {
    const res = await post(base, INITIALIZE);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="wallet-server", resource_metadata="${base}/.well-known/oauth-protected-resource"`,
    );
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('missing_token');

    const metadata = (await (await fetch(`${base}/.well-known/oauth-protected-resource`)).json()) as Record<string, unknown>;
    // The authorization server is the wallet itself (its RFC 8414 metadata and token endpoint, src/oauth/).
    expect(metadata).toMatchObject({ resource: base, authorization_servers: [base] });
  });

  it('refuses a valid project token that is not bound to the wallet (401 invalid_token), which the REST route still takes', async () => {
    const plain = await accessToken(admin, agent);
    const res = await post(base, INITIALIZE, { Authorization: `Bearer ${plain}` });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(
      `error_description="The token was not issued for this resource (${base}): request it with resource=${base}"`,
    );
    expect(challenge).toContain(`resource_metadata="${base}/.well-known/oauth-protected-resource"`);

    const rest = await fetch(`${base}/api/check-balance`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${plain}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ customerId: JOHN.customerId }),
    });
    expect(rest.status).toBe(200);
  });

  it('refuses a token bound to another resource server', async () => {
    const elsewhere = await resourceToken(auth, agent, ['https://other-wallet.example.com']);
    const res = await post(base, INITIALIZE, { Authorization: `Bearer ${elsewhere}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('lists the two tools with their input schemas and the client-credentials extension, to any bound token', async () => {
    const client = await open(await resourceToken(auth, reader, [base]));
    expect(client.getServerCapabilities()?.extensions).toEqual({ 'io.modelcontextprotocol/oauth-client-credentials': {} });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['check_balance', 'debit']);
    const debit = tools.find((tool) => tool.name === 'debit');
    expect(Object.keys(debit?.inputSchema.properties ?? {}).sort()).toEqual([
      'amount',
      'customerId',
      'destinationWalletId',
      'idempotencyKey',
    ]);
    expect(debit?.inputSchema.required).toEqual(expect.arrayContaining(['amount', 'customerId', 'destinationWalletId', 'idempotencyKey']));
  });

  it('check_balance returns structured content to a read:users token, and a tool error naming the unknown customer', async () => {
    const client = await open(await resourceToken(auth, reader, [base], ['read:users']));
    const found = await client.callTool({ name: 'check_balance', arguments: { customerId: JANE.customerId } });
    expect(found.isError).toBeFalsy();
    expect(found.structuredContent).toEqual({
      customerName: 'jane_doe',
      walletId: JANE.walletId,
      walletBalance: await balanceOf(JANE.customerId),
    });

    const missing = await client.callTool({ name: 'check_balance', arguments: { customerId: 'nobody' } });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toBe('customer_not_found: No wallet for customer nobody');
  });

  it('answers 403 insufficient_scope with the scope to ask for when a read:users token calls debit, and moves nothing', async () => {
    const before = await balanceOf(JOHN.customerId);
    const token = await resourceToken(auth, reader, [base]);
    const args = { customerId: JOHN.customerId, amount: 5, destinationWalletId: JANE.walletId, idempotencyKey: 'scope-1' };
    const res = await post(base, callTool('debit', args), { Authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="write:wallets"');
    expect(challenge).toContain(`resource_metadata="${base}/.well-known/oauth-protected-resource"`);
    expect(await balanceOf(JOHN.customerId)).toBe(before);
  });

  it('debit moves money once per idempotencyKey: a retry replays the first result', async () => {
    const client = await open(await resourceToken(auth, agent, [base]));
    const [john, jane] = [(await balanceOf(JOHN.customerId))!, (await balanceOf(JANE.customerId))!];
    const args = { customerId: JOHN.customerId, amount: 25, destinationWalletId: JANE.walletId, idempotencyKey: 'agent-order-1' };

    const first = await client.callTool({ name: 'debit', arguments: args });
    expect(first.isError).toBeFalsy();
    expect(first.structuredContent).toEqual({ transactionId: expect.any(String), walletBalance: john - 25, replayed: false });
    const retry = await client.callTool({ name: 'debit', arguments: args });
    expect(retry.structuredContent).toEqual({ ...(first.structuredContent as object), replayed: true });
    expect([await balanceOf(JOHN.customerId), await balanceOf(JANE.customerId)]).toEqual([john - 25, jane + 25]);

    const reused = await client.callTool({ name: 'debit', arguments: { ...args, amount: 26 } });
    expect(reused.isError).toBe(true);
    expect(textOf(reused)).toMatch(/^idempotency_key_reused: /);
    expect(await balanceOf(JOHN.customerId)).toBe(john - 25);
  });

  it('debit refusals are tool errors with clear text, and lose nothing', async () => {
    const client = await open(await resourceToken(auth, agent, [base]));
    const before = [await balanceOf(JOHN.customerId), await balanceOf(JANE.customerId)];
    const pay = (args: object) =>
      client.callTool({ name: 'debit', arguments: { customerId: JOHN.customerId, destinationWalletId: JANE.walletId, ...args } });

    const tooMuch = await pay({ amount: 99_999_999, idempotencyKey: 'big-1' });
    expect(tooMuch.isError).toBe(true);
    expect(textOf(tooMuch)).toBe('insufficient_funds: Insufficient funds: the balance does not cover this debit');

    const nowhere = await pay({ amount: 1, idempotencyKey: 'nowhere-1', destinationWalletId: 'somebody-elses-account' });
    expect(textOf(nowhere)).toMatch(/^destination_not_found: No wallet somebody-elses-account/);

    const negative = await pay({ amount: -5, idempotencyKey: 'neg-1' });
    expect(negative.isError).toBe(true);
    expect(textOf(negative)).toMatch(/Invalid arguments for tool debit/);
    expect(textOf(negative)).toMatch(/amount/);

    const noKey = await pay({ amount: 1 });
    expect(noKey.isError).toBe(true);
    expect(textOf(noKey)).toMatch(/idempotencyKey/);

    expect([await balanceOf(JOHN.customerId), await balanceOf(JANE.customerId)]).toEqual(before);
  });

  it('refuses a browser page of another origin (403, DNS rebinding) and answers 405 to GET', async () => {
    const token = await resourceToken(auth, agent, [base]);
    const foreign = await post(base, INITIALIZE, { Authorization: `Bearer ${token}`, Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('origin_not_allowed');
    const sameOrigin = await post(base, INITIALIZE, { Authorization: `Bearer ${token}`, Origin: new URL(base).origin });
    expect(sameOrigin.status).toBe(200);

    const get = await fetch(`${base}/mcp`, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('wallet-server MCP endpoint (hosted-Stytch mode: a custom claim from trusted_metadata names the wallet)', () => {
  let auth: RunningAuthServer;
  let admin: stytch.Client;
  let wallet: RunningWalletServer;
  let base: string;

  beforeAll(async () => {
    // What a Stytch project's custom claims template does; hosted Stytch ignores `resource`, so aud stays [project_id].
    auth = await startAuth({ customClaimsTemplate: { resources: '{{ client.trusted_metadata.resources }}' } });
    admin = sdk(auth);
    wallet = await startWallet(auth, { mcpResourceClaim: 'resources' });
    base = wallet.url.replace(/\/$/, '');
  });
  afterAll(() => closeAll(wallet, auth));

  it('accepts a token whose claim lists the wallet, and refuses one whose client is not granted it', async () => {
    const granted = await createM2MClient(admin, ['read:users'], 'granted-agent');
    await admin.m2m.clients.update({ client_id: granted.clientId, trusted_metadata: { resources: [`${base}/`] } });
    const other = await createM2MClient(admin, ['read:users'], 'other-agent');
    await admin.m2m.clients.update({ client_id: other.clientId, trusted_metadata: { resources: ['https://other-wallet.example.com'] } });

    // Tokens from the SDK's m2m.token: no resource parameter, as against hosted Stytch.
    const client = await connect(base, await accessToken(admin, granted));
    try {
      const balance = await client.callTool({ name: 'check_balance', arguments: { customerId: JOHN.customerId } });
      expect(balance.structuredContent).toMatchObject({ walletId: JOHN.walletId });
    } finally {
      await client.close();
    }

    const refused = await post(base, INITIALIZE, { Authorization: `Bearer ${await accessToken(admin, other)}` });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('The token was not issued for this resource');
  });
});
