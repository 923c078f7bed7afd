/**
 * A SQLite database made before wallets had a tenant (the tenant filter itself is in the WalletStore
 * contract suite, on both backends).
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteWalletStore } from '../src/wallets/sqliteWalletStore';
import { tempDir } from '../../test/support/stack';

const tmp = tempDir('wallet-tenants');
afterAll(() => tmp.remove());

/** The wallets table as it was before the tenant_id column. */
const OLD_WALLETS = `CREATE TABLE wallets (
  wallet_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL UNIQUE, customer_name TEXT NOT NULL, balance INTEGER NOT NULL CHECK (balance >= 0)
) STRICT;`;

it('a database from before tenants gets the column at start-up: its wallets are the demo tenant`s, nothing else changes', async () => {
  const file = path.join(tmp.dir, 'old.db');
  const old = new Database(file);
  old.exec(OLD_WALLETS);
  old.prepare('INSERT INTO wallets VALUES (?, ?, ?, ?)').run('w-old', 'c-old', 'old_customer', 42);
  old.close();

  const store = SqliteWalletStore.open(file, []);
  try {
    expect(await store.findByCustomer('c-old')).toEqual({
      customerId: 'c-old',
      customerName: 'old_customer',
      walletId: 'w-old',
      balance: 42,
      tenantId: 'demo',
    });
    expect(await store.checkBalance('c-old', 'demo')).toEqual({ customerName: 'old_customer', walletId: 'w-old', walletBalance: 42 });
    expect(await store.checkBalance('c-old', 'acme')).toBeUndefined();
  } finally {
    await store.close();
  }
  // Opening it again is a no-op (the column is there now).
  await SqliteWalletStore.open(file, []).close();
});
