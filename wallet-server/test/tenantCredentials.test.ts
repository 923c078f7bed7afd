/**
 * Tenant self-service credentials (src/tenants/) and tenant-scoped wallets, against a real
 * auth-server whose custom claims template puts each client's tenant into its tokens.
 */
import type { RunningAuthServer } from '@m2m/auth-server';
import { TENANT_CLAIMS_TEMPLATE } from '@m2m/shared';
import type { RunningWalletServer } from '@m2m/wallet-server';
import type * as stytch from 'stytch';
import { at, bearer, post, request, type HttpAnswer } from '../../test/support/http';
import {
  closeAll,
  createM2MClient,
  createTenantOwner,
  decodeJwt,
  JANE,
  JOHN,
  sdk,
  startAuth,
  startWallet,
  walletToken,
  walletTokenStatus,
  type M2MCredentials,
} from '../../test/support/stack';

/** Tenant acme's one wallet, next to the demo tenant's two (the tutorial's customers). */
const ACME = { customerId: 'acme-customer-1', customerName: 'acme_buyer', walletId: 'acme-wallet-1', balance: 500, tenantId: 'acme' };

let auth: RunningAuthServer;
let wallet: RunningWalletServer;
let admin: stytch.Client;
/** Owners of the demo tenant (which holds the seeded wallets) and of acme. */
let demoOwner: M2MCredentials;
let acmeOwner: M2MCredentials;

beforeAll(async () => {
  auth = await startAuth({ customClaimsTemplate: TENANT_CLAIMS_TEMPLATE });
  admin = sdk(auth);
  wallet = await startWallet(auth, {
    seed: [{ ...JOHN, customerName: 'john_doe' }, { ...JANE, customerName: 'jane_doe' }, ACME],
  });
  demoOwner = await createTenantOwner(admin, 'demo', ['read:users', 'write:wallets']);
  acmeOwner = await createTenantOwner(admin, 'acme', ['read:users']);
});

afterAll(() => closeAll(wallet, auth));

const clientsUrl = (path = '') => at(wallet.url, `/tenant/m2m/clients${path}`);
const as = async (owner: M2MCredentials, scope?: string) => ({ Authorization: bearer(await walletToken(wallet.url, owner, scope)) });

async function createClient(owner: M2MCredentials, body: unknown): Promise<HttpAnswer> {
  return post(clientsUrl(), body, await as(owner));
}

async function createdCredentials(owner: M2MCredentials, scopes: string[]): Promise<M2MCredentials> {
  const res = await createClient(owner, { client_name: 'tenant-service', scopes });
  expect(res.status).toBe(201);
  return { clientId: res.body.m2m_client.client_id, clientSecret: res.body.m2m_client.client_secret };
}

const tokenStatus = (credentials: M2MCredentials) => walletTokenStatus(wallet.url, credentials);

const checkBalance = async (credentials: M2MCredentials, customerId: string) =>
  post(
    at(wallet.url, '/api/check-balance'),
    { customerId },
    { Authorization: bearer(await walletToken(wallet.url, credentials, 'read:users')) },
  );

describe('a tenant owner manages its own clients', () => {
  it('creates one: the secret is shown once, the tenant is in its trusted_metadata and in its tokens', async () => {
    const res = await createClient(demoOwner, { client_name: 'checkout', scopes: ['read:users'] });
    expect(res.status).toBe(201);
    const created = res.body.m2m_client;
    expect(created).toMatchObject({
      client_name: 'checkout',
      scopes: ['read:users'],
      status: 'active',
      trusted_metadata: { tenant_id: 'demo' },
    });
    expect(typeof created.client_secret).toBe('string');

    const token = await walletToken(wallet.url, { clientId: created.client_id, clientSecret: created.client_secret });
    expect(decodeJwt(token).payload).toMatchObject({ sub: created.client_id, tenant_id: 'demo' });

    // Listed and read without a secret: the create answer was the only one.
    const listed = await request('GET', clientsUrl(), { headers: await as(demoOwner) });
    expect(listed.status).toBe(200);
    const mine = listed.body.m2m_clients.find((c: { client_id: string }) => c.client_id === created.client_id);
    expect(mine).toMatchObject({ client_name: 'checkout', client_secret_last_four: created.client_secret.slice(-4) });
    const read = await request('GET', clientsUrl(`/${created.client_id}`), { headers: await as(demoOwner) });
    expect(read.status).toBe(200);
    for (const answer of [listed.text, read.text]) expect(answer).not.toContain(created.client_secret);
  });

  it('rotates a secret: start shows the next once, both work until complete, then only the new one', async () => {
    const client = await createdCredentials(demoOwner, ['read:users']);
    const started = await post(clientsUrl(`/${client.clientId}/secrets/rotate/start`), {}, await as(demoOwner));
    expect(started.status).toBe(200);
    const next = { ...client, clientSecret: started.body.m2m_client.next_client_secret as string };
    expect([await tokenStatus(client), await tokenStatus(next)]).toEqual([200, 200]);

    const completed = await post(clientsUrl(`/${client.clientId}/secrets/rotate/complete`), {}, await as(demoOwner));
    expect(completed.status).toBe(200);
    expect(completed.body.m2m_client).toMatchObject({
      client_secret_last_four: next.clientSecret.slice(-4),
      next_client_secret_last_four: null,
    });
    expect(completed.text).not.toContain(next.clientSecret);
    expect([await tokenStatus(client), await tokenStatus(next)]).toEqual([401, 200]);
  });

  it('cancels a rotation: the next secret stops working, the current one keeps working', async () => {
    const client = await createdCredentials(demoOwner, ['read:users']);
    const started = await post(clientsUrl(`/${client.clientId}/secrets/rotate/start`), {}, await as(demoOwner));
    const next = { ...client, clientSecret: started.body.m2m_client.next_client_secret as string };
    expect((await post(clientsUrl(`/${client.clientId}/secrets/rotate/cancel`), {}, await as(demoOwner))).status).toBe(200);
    expect([await tokenStatus(client), await tokenStatus(next)]).toEqual([200, 401]);
  });

  it('deletes one: its credentials stop working', async () => {
    const client = await createdCredentials(demoOwner, ['read:users']);
    const deleted = await request('DELETE', clientsUrl(`/${client.clientId}`), { headers: await as(demoOwner) });
    expect([deleted.status, deleted.body]).toEqual([200, { client_id: client.clientId, deleted: true }]);
    expect(await tokenStatus(client)).toBe(401);
  });
});

describe('tenant A can neither see nor change tenant B', () => {
  let demoClient: M2MCredentials;
  beforeAll(async () => {
    demoClient = await createdCredentials(demoOwner, ['read:users']);
  });

  it("does not list B's clients", async () => {
    const listed = await request('GET', clientsUrl(), { headers: await as(acmeOwner) });
    expect(listed.status).toBe(200);
    const ids = listed.body.m2m_clients.map((c: { client_id: string }) => c.client_id);
    expect(ids).not.toContain(demoClient.clientId);
    expect(ids).not.toContain(demoOwner.clientId);
    for (const client of listed.body.m2m_clients) expect(client.trusted_metadata).toEqual({ tenant_id: 'acme' });
  });

  it.each([
    ['read', 'GET', ''],
    ['delete', 'DELETE', ''],
    ['start a rotation of', 'POST', '/secrets/rotate/start'],
    ['complete a rotation of', 'POST', '/secrets/rotate/complete'],
  ])("can't %s B's client: 404, exactly as for an id that does not exist; nothing changes", async (_what, method, suffix) => {
    const headers = await as(acmeOwner);
    const other = await request(method, clientsUrl(`/${demoClient.clientId}${suffix}`), { headers });
    const unknown = await request(method, clientsUrl(`/m2m-client-test-does-not-exist${suffix}`), { headers });
    expect([other.status, other.body.error.code]).toEqual([404, 'm2m_client_not_found']);
    expect(other.body.error.message.replace(demoClient.clientId, 'ID')).toBe(
      unknown.body.error.message.replace('m2m-client-test-does-not-exist', 'ID'),
    );
    const { m2m_client } = await admin.m2m.clients.get({ client_id: demoClient.clientId });
    expect(m2m_client).toMatchObject({ status: 'active', next_client_secret_last_four: null });
    expect(await tokenStatus(demoClient)).toBe(200);
  });

  it("reaches only its own tenant's wallets: B's customer is a 404, as an unknown one", async () => {
    const acmeReader = await createdCredentials(acmeOwner, ['read:users']);
    expect((await checkBalance(acmeReader, ACME.customerId)).body).toMatchObject({ walletId: ACME.walletId });
    const other = await checkBalance(acmeReader, JOHN.customerId);
    const unknown = await checkBalance(acmeReader, 'nobody-at-all');
    expect([other.status, other.body.error.code]).toEqual([404, 'customer_not_found']);
    expect(other.body.error.message.replace(JOHN.customerId, 'ID')).toBe(unknown.body.error.message.replace('nobody-at-all', 'ID'));
    expect((await checkBalance(demoClient, ACME.customerId)).status).toBe(404);
  });

  it("can't move money into or out of B's wallets; nothing moves", async () => {
    const payer = await createdCredentials(demoOwner, ['write:wallets']);
    const headers = { Authorization: bearer(await walletToken(wallet.url, payer)) };
    const balances = () => Promise.all([JOHN, ACME].map(async (w) => (await wallet.wallets.findByCustomer(w.customerId))!.balance));
    const before = await balances();
    const intoB = await post(
      at(wallet.url, '/api/debit'),
      { customerId: JOHN.customerId, amount: 5, destinationWalletId: ACME.walletId },
      { ...headers, 'Idempotency-Key': 'into-b' },
    );
    const outOfB = await post(
      at(wallet.url, '/api/debit'),
      { customerId: ACME.customerId, amount: 5, destinationWalletId: JOHN.walletId },
      { ...headers, 'Idempotency-Key': 'out-of-b' },
    );
    expect([intoB.status, intoB.body.error.code]).toEqual([404, 'destination_not_found']);
    expect([outOfB.status, outOfB.body.error.code]).toEqual([404, 'customer_not_found']);
    expect(await balances()).toEqual(before);
    // Within its own tenant the same client pays.
    const own = await post(
      at(wallet.url, '/api/debit'),
      { customerId: JOHN.customerId, amount: 5, destinationWalletId: JANE.walletId },
      { ...headers, 'Idempotency-Key': 'own' },
    );
    expect(own.status).toBe(200);
  });

  it('a tenant claim that is not a tenant id (a number) is refused, never taken for "no tenant"', async () => {
    const odd = await createM2MClient(admin, ['read:users'], 'odd-tenant', { tenant_id: 42 });
    const res = await checkBalance(odd, JOHN.customerId);
    expect([res.status, res.body.error.code]).toEqual([403, 'invalid_tenant']);
  });

  it("the platform's own clients (no tenant claim) keep reaching every tenant's wallets by scope", async () => {
    const platform = await createM2MClient(admin, ['read:users'], 'platform-reporting');
    expect((await checkBalance(platform, JOHN.customerId)).status).toBe(200);
    expect((await checkBalance(platform, ACME.customerId)).status).toBe(200);
  });
});

describe('no escalation', () => {
  const countClients = async () => (await admin.m2m.clients.search({ limit: 1000 })).m2m_clients.length;

  it('grants only scopes the owner holds: 403 scope_not_held, nothing created', async () => {
    const before = await countClients();
    const res = await createClient(acmeOwner, { scopes: ['read:users', 'write:wallets'] });
    expect([res.status, res.body.error.code]).toEqual([403, 'scope_not_held']);
    expect(res.body.error.message).toContain('write:wallets');
    expect(await countClients()).toBe(before);
  });

  it('holds only what its token holds: a token narrowed to manage:credentials grants nothing else', async () => {
    const res = await post(clientsUrl(), { scopes: ['read:users'] }, await as(acmeOwner, 'manage:credentials'));
    expect([res.status, res.body.error.code]).toEqual([403, 'scope_not_held']);
  });

  it('names no other tenant: trusted_metadata in the body is refused (400), so is an empty scope list', async () => {
    const other = await createClient(acmeOwner, { scopes: ['read:users'], trusted_metadata: { tenant_id: 'demo' } });
    expect([other.status, other.body.error.code]).toEqual([400, 'invalid_request']);
    const empty = await createClient(acmeOwner, { scopes: [] });
    expect([empty.status, empty.body.error.code]).toEqual([400, 'invalid_request']);
  });

  it('a client without manage:credentials is refused (403 insufficient_scope); a platform client with it but no tenant too', async () => {
    const reader = await createdCredentials(acmeOwner, ['read:users']);
    const noScope = await request('GET', clientsUrl(), { headers: await as(reader) });
    expect([noScope.status, noScope.body.error.code]).toEqual([403, 'insufficient_scope']);
    const platform = await createM2MClient(admin, ['manage:credentials'], 'platform-admin');
    const noTenant = await request('GET', clientsUrl(), { headers: await as(platform) });
    expect([noTenant.status, noTenant.body.error.code]).toEqual([403, 'not_a_tenant_owner']);
    const anonymous = await request('GET', clientsUrl());
    expect(anonymous.status).toBe(401);
  });
});
