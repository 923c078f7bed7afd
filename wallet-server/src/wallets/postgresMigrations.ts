import { DEMO_TENANT_ID } from '@m2m/shared';
import type { Pool, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { WALLET_MIGRATIONS, type Migration } from './postgresSchema';
import type { WalletSeed } from './seed';

/**
 * Any number of wallet-servers may start at once on one database: each takes this transaction-scoped
 * advisory lock first, so exactly one applies the migrations and seeds, and the others wait, then
 * find them done. (CREATE TABLE IF NOT EXISTS alone is not safe under concurrency: two creators can
 * both fail on the catalog's unique index.) Released by COMMIT or ROLLBACK, or if the process dies.
 */
export const MIGRATION_LOCK = 0x77616c6c6574; // "wallet"

/**
 * How long start-up may spend migrating, waiting for another server's migration included. Not a
 * debit's statement_timeout: a slow disk, or a migration that rewrites a big table, is no outage.
 */
export const MIGRATION_TIMEOUT_MS = 60_000;

/** Applies the migrations the database lacks, then seeds a database without wallets; one transaction. */
export async function migrateAndSeed(pool: Pool, seed: readonly WalletSeed[], timeoutMs = MIGRATION_TIMEOUT_MS): Promise<void> {
  const client = await pool.connect();
  // The pool's client-side query_timeout is a debit's: each statement here gets the migration's
  // (pg reads a query's own query_timeout; its types don't list it).
  const query: MigrationQuery = <Row extends QueryResultRow>(text: string, values?: unknown[]) => {
    const config: QueryConfig & { query_timeout: number } = { text, values, query_timeout: timeoutMs + 1_000 };
    return client.query<Row>(config);
  };
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      await query(`SET LOCAL statement_timeout = ${String(Math.trunc(timeoutMs))}`);
      await query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await applyMigrations(query, WALLET_MIGRATIONS);
      await seedOnce(query, seed);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError as Error));
      throw err;
    }
  } finally {
    client.release(broken);
  }
}

type MigrationQuery = <Row extends QueryResultRow>(text: string, values?: unknown[]) => Promise<QueryResult<Row>>;

async function applyMigrations(query: MigrationQuery, migrations: readonly Migration[]): Promise<void> {
  await query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const { rows } = await query<{ version: number }>('SELECT version FROM schema_migrations');
  // Versions this release does not know are left alone: during a rolling upgrade the older servers
  // keep running on the newer schema, so a migration only adds (a column with a default, a table).
  const applied = new Set(rows.map((row) => row.version));
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    await query(migration.sql);
    await query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
  }
}

async function seedOnce(query: MigrationQuery, seed: readonly WalletSeed[]): Promise<void> {
  const { rows } = await query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM wallets) AS any');
  if (rows[0]?.any) return;
  for (const wallet of seed) {
    await query('INSERT INTO wallets (wallet_id, customer_id, customer_name, balance, tenant_id) VALUES ($1, $2, $3, $4, $5)', [
      wallet.walletId,
      wallet.customerId,
      wallet.customerName,
      wallet.balance,
      wallet.tenantId ?? DEMO_TENANT_ID,
    ]);
    if (wallet.balance > 0) {
      await query("INSERT INTO ledger_entries (transaction_id, wallet_id, amount, kind) VALUES ($1, $2, $3, 'opening')", [
        `opening-${wallet.walletId}`,
        wallet.walletId,
        wallet.balance,
      ]);
    }
  }
}
