import os from 'node:os';
import path from 'node:path';
import type { WalletSeed } from '@m2m/wallet-server';
import type { Scenario } from '../lib/context';
import { assertClean, int, ms, ratio } from '../lib/format';
import { accessToken, createM2MClient, projectOf, sdk } from '../../test/support/stytchProject';
import { startPostgres } from '../../test/support/postgres';
import { runInterleaved, type CaseSpec } from '../load/interleave';
import { hostServer } from '../servers/hostServer';
import { BENCH_BALANCE } from './paymentEndToEnd';

/** Debits go round a ring of wallets (customer i pays wallet i + 1), so that they don't all queue on one row lock. */
const RING = 32;
const RING_SEED: WalletSeed[] = Array.from({ length: RING }, (_, i) => ({
  customerId: `bench-customer-${String(i)}`,
  customerName: `bench ${String(i)}`,
  walletId: `bench-wallet-${String(i)}`,
  balance: BENCH_BALANCE,
}));
const RING_DEBITS = RING_SEED.map((wallet, i) =>
  JSON.stringify({ customerId: wallet.customerId, amount: 1, destinationWalletId: `bench-wallet-${String((i + 1) % RING)}` }),
);

/**
 * 7. The wallet's write path on its two databases: POST /api/debit on SQLite (group commit,
 * synchronous=FULL), on PostgreSQL with one wallet-server, and on PostgreSQL with two
 * wallet-servers sharing the load (as behind a load balancer). The embedded PostgreSQL runs with its
 * defaults (fsync on, synchronous_commit on), so every answered debit is durable on both.
 */
export const walletDatabases: Scenario = {
  id: 7,
  title: 'Wallet debits: SQLite vs PostgreSQL, one vs two wallet-servers',
  async run(ctx) {
    const { profile } = ctx;
    // On the disk, as the SQLite files in workDir are: the suites' in-memory temp root would flatter PostgreSQL.
    const postgres = await startPostgres({ dataRoot: os.tmpdir() });
    const auth = await hostServer('auth', { databaseFile: path.join(ctx.workDir, 'auth-s7.db') });
    const stytchProject = projectOf(auth.info);
    const started: Array<{ close(): Promise<void> }> = [];
    try {
      const wallet = async (database: { databaseUrl: string } | { databaseFile: string }) => {
        const server = await hostServer('wallet', { ...database, stytchProject, seed: RING_SEED });
        started.push(server);
        return server;
      };
      const sqlite = await wallet({ databaseFile: path.join(ctx.workDir, 'wallet-s7.db') });
      const alone = await wallet({ databaseUrl: await postgres.createDatabase() });
      const shared = await postgres.createDatabase();
      const [first, second] = [await wallet({ databaseUrl: shared }), await wallet({ databaseUrl: shared })];

      const admin = sdk(auth.info);
      const token = await accessToken(admin, await createM2MClient(admin, ['write:wallets'], 'bench s7'), ['write:wallets']);
      const debits = (url: string, spreadOver?: string[]): CaseSpec => ({
        url,
        method: 'POST',
        path: '/api/debit',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        rotateBody: RING_DEBITS,
        uniqueHeader: 'Idempotency-Key',
        ...(spreadOver && { spreadOver }),
      });
      ctx.log(
        `  debits on SQLite, PostgreSQL, PostgreSQL × 2 servers: ${profile.connections} connections, ${profile.rounds} interleaved rounds`,
      );
      const { results } = await runInterleaved(
        [
          { name: 'sqlite', spec: debits(sqlite.info.url) },
          { name: 'postgres', spec: debits(alone.info.url) },
          { name: 'postgresPair', spec: debits(first.info.url, [second.info.url]) },
        ],
        profile,
      );
      const onSqlite = results.get('sqlite');
      const onPostgres = results.get('postgres');
      const onPair = results.get('postgresPair');
      if (!onSqlite || !onPostgres || !onPair) throw new Error('a load run returned no result');
      assertClean('debits on SQLite', onSqlite);
      assertClean('debits on PostgreSQL', onPostgres);
      assertClean('debits on PostgreSQL, two servers', onPair);

      // Every debit answered 200 moved 1 between two ring wallets: the ledger must still add up.
      const books = await postgres.query<{ off: string }>(
        `SELECT count(*) AS off FROM wallets w WHERE w.balance <> (SELECT sum(amount) FROM ledger_entries e WHERE e.wallet_id = w.wallet_id)`,
        [],
        shared,
      );
      const ledgersAddUp = books[0]?.off === '0';

      const perSecond = (r: typeof onSqlite) => r.requestsPerSecond;
      return {
        scenario: 7,
        title: walletDatabases.title,
        rows: [
          {
            scenario: 7,
            case: 'POST /api/debit, one wallet-server on SQLite',
            rate: int(onSqlite.requestsPerSecond),
            p50: ms(onSqlite.latencyMs.p50),
            p99: ms(onSqlite.latencyMs.p99),
            ratio: '1.00×',
          },
          {
            scenario: 7,
            case: 'POST /api/debit, one wallet-server on PostgreSQL',
            rate: int(onPostgres.requestsPerSecond),
            p50: ms(onPostgres.latencyMs.p50),
            p99: ms(onPostgres.latencyMs.p99),
            ratio: ratio(perSecond(onPostgres), perSecond(onSqlite)),
          },
          {
            scenario: 7,
            case: 'POST /api/debit, two wallet-servers on one PostgreSQL',
            rate: int(onPair.requestsPerSecond),
            p50: ms(onPair.latencyMs.p50),
            p99: ms(onPair.latencyMs.p99),
            ratio: ratio(perSecond(onPair), perSecond(onSqlite)),
            value: `${ratio(perSecond(onPair), perSecond(onPostgres))} of one wallet-server on PostgreSQL; ledgers add up: ${ledgersAddUp ? 'yes' : 'NO'}`,
          },
        ],
        checks: [
          {
            name: 'scenario 7: every PostgreSQL ledger sums to its balance after the load',
            passed: ledgersAddUp,
            judged: true,
            detail: ledgersAddUp ? `all ${String(RING)} wallets` : `${books[0]?.off ?? '?'} wallets off`,
          },
        ],
        reading: [
          `On PostgreSQL one wallet-server debits at ${ratio(perSecond(onPostgres), perSecond(onSqlite))} the rate it reaches on SQLite: SQLite group-commits the debits that arrive together (one fsync per batch, in process), while each PostgreSQL debit is its own transaction, five round trips to the database (BEGIN, the row locks, the idempotency record, the writes, COMMIT) while it holds two row locks.`,
          `Two wallet-servers on the same PostgreSQL debit at ${ratio(perSecond(onPair), perSecond(onPostgres))} the rate of one. On this machine the two cores are shared by PostgreSQL, both servers and the load generator, so the ratio says what a second process costs or gains here, not what a second machine would: what PostgreSQL buys is that several processes (and hosts) can write at all, which SQLite's single file does not allow.`,
          `Debits go round a ring of ${String(RING)} wallets, so their row locks rarely meet; debits onto one hot wallet queue on its row on either database.`,
        ],
      };
    } finally {
      for (const server of started.reverse()) await server.close();
      await auth.close();
      await postgres.close();
    }
  },
};
