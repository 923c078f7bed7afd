/**
 * The WalletStore's one tenant filter, and a database made before wallets had a tenant: real SQLite files.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { WalletStore } from '@m2m/wallet-server';
import { tempDir } from '../../test/support/stack';

const tmp = tempDir('wallet-tenants');
afterAll(() => tmp.remove());

/** The wallets table as it was before the tenant_id column. */
const OLD_WALLETS = `CREATE TABLE wallets (
  wallet_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL UNIQUE, customer_name TEXT NOT NULL, balance INTEGER NOT NULL CHECK (balance >= 0)
) STRICT;`;

it('a database from before tenants gets the column at start-up: its wallets are the demo tenant`s, nothing else changes', () => {
  const file = path.join(tmp.dir, 'old.db');
  const old = new Database(file);
  old.exec(OLD_WALLETS);
  old.prepare('INSERT INTO wallets VALUES (?, ?, ?, ?)').run('w-old', 'c-old', 'old_customer', 42);
  old.close();

  const store = WalletStore.open(file, []);
  try {
    expect(store.findByCustomer('c-old')).toEqual({
      customerId: 'c-old',
      customerName: 'old_customer',
      walletId: 'w-old',
      balance: 42,
      tenantId: 'demo',
    });
    expect(store.checkBalance('c-old', 'demo')).toEqual({ customerName: 'old_customer', walletId: 'w-old', walletBalance: 42 });
    expect(store.checkBalance('c-old', 'acme')).toBeUndefined();
  } finally {
    store.close();
  }
  // Opening it again is a no-op (the column is there now).
  WalletStore.open(file, []).close();
});

it('debits stay within the caller`s tenant; the platform (no tenant) reaches every wallet', async () => {
  const store = WalletStore.open(path.join(tmp.dir, 'tenants.db'), [
    { customerId: 'c-a', customerName: 'a', walletId: 'w-a', balance: 100, tenantId: 'acme' },
    { customerId: 'c-a2', customerName: 'a2', walletId: 'w-a2', balance: 0, tenantId: 'acme' },
    { customerId: 'c-d', customerName: 'd', walletId: 'w-d', balance: 100 },
  ]);
  try {
    const debit = (tenantId: string | undefined, customerId: string, destinationWalletId: string, key: string) =>
      store.debit({ clientId: 'client-1', idempotencyKey: key, tenantId, request: { customerId, amount: 10, destinationWalletId } });
    expect((await debit('acme', 'c-a', 'w-d', 'k1')).status).toBe('unknown_destination');
    expect((await debit('acme', 'c-d', 'w-a', 'k2')).status).toBe('unknown_customer');
    expect((await debit('acme', 'c-a', 'w-a2', 'k3')).status).toBe('debited');
    expect((await debit(undefined, 'c-d', 'w-a', 'k4')).status).toBe('debited');
    expect([store.findByCustomer('c-a')?.balance, store.findByCustomer('c-a2')?.balance, store.findByCustomer('c-d')?.balance]).toEqual([
      100, 10, 90,
    ]);
    expect(store.findByCustomer('c-d')?.tenantId).toBe('demo');
  } finally {
    store.close();
  }
});
