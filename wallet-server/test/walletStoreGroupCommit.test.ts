/**
 * The store's group commit, on real SQLite files: debits queued together share one transaction,
 * answer exactly what they would one after another, and are acknowledged only once committed.
 * Failures are real SQLite failures, caused by TEMP triggers on the test's own connection.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../test/support/tempDir';
import Database from 'better-sqlite3';
import { openDatabase } from '@m2m/shared';
import { WALLET_SCHEMA } from '../src/wallets/sqliteSchema';
import type { WalletSeed } from '../src/wallets/seed';
import { SqliteWalletStore, type SqliteWalletStoreOptions } from '../src/wallets/sqliteWalletStore';
import type { DebitCommand, DebitOutcome } from '../src/wallets/walletStore';

const SEED: WalletSeed[] = [
  { customerId: 'c-alice', customerName: 'alice', walletId: 'w-alice', balance: 100 },
  { customerId: 'c-bob', customerName: 'bob', walletId: 'w-bob', balance: 0 },
];

let dir: string;
let files = 0;
const stores: SqliteWalletStore[] = [];

beforeAll(() => {
  dir = tempDir('wallet-group-commit').dir;
});
afterAll(async () => {
  for (const store of stores) await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const newFile = () => path.join(dir, `wallets-${files++}.db`);

function openStore(options: SqliteWalletStoreOptions = {}, seed: readonly WalletSeed[] = SEED, file = newFile()): SqliteWalletStore {
  const store = SqliteWalletStore.open(file, seed, options);
  stores.push(store);
  return store;
}

/** A store whose connection carries `sabotage` (TEMP objects: they exist for this connection only). */
function sabotagedStore(sabotage: string): { store: SqliteWalletStore; file: string } {
  const file = newFile();
  const db = openDatabase(file, WALLET_SCHEMA);
  db.exec(sabotage);
  const store = new SqliteWalletStore(db, SEED);
  stores.push(store);
  return { store, file };
}

const debit = (
  idempotencyKey: string,
  customerId: string,
  amount: number,
  destinationWalletId: string,
  clientId = 'client-a',
): DebitCommand => ({
  clientId,
  idempotencyKey,
  request: { customerId, amount, destinationWalletId },
});

async function balances(store: SqliteWalletStore) {
  return {
    alice: (await store.findByCustomer('c-alice'))?.balance,
    bob: (await store.findByCustomer('c-bob'))?.balance,
    aliceLedger: await store.ledgerSum('w-alice'),
    bobLedger: await store.ledgerSum('w-bob'),
  };
}

function idempotencyRecords(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM idempotent_debits').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Outcomes with each transaction id replaced by the order it first appeared in: comparable across two runs. */
function normalized(outcomes: DebitOutcome[]) {
  const ids: string[] = [];
  return outcomes.map((outcome) => {
    if (outcome.status !== 'debited') return outcome;
    if (!ids.includes(outcome.response.transactionId)) ids.push(outcome.response.transactionId);
    return { ...outcome, response: { ...outcome.response, transactionId: `tx-${ids.indexOf(outcome.response.transactionId)}` } };
  });
}

it('debits queued together share one transaction and one commit, settled only after it', async () => {
  const store = openStore();
  const before = store.debitCommits;
  const answers = Promise.all(Array.from({ length: 20 }, (_, i) => store.debit(debit(`together-${i}`, 'c-alice', 1, 'w-bob'))));
  expect(store.debitCommits).toBe(before); // queued, not yet run

  const outcomes = await answers;
  expect(store.debitCommits - before).toBe(1);
  expect(outcomes.map((o) => o.status)).toEqual(Array(20).fill('debited'));
  expect(new Set(outcomes.map((o) => o.status === 'debited' && o.response.transactionId)).size).toBe(20);
  // In arrival order: the n-th debit saw the n-1 before it.
  expect(outcomes.map((o) => o.status === 'debited' && o.response.walletBalance)).toEqual(Array.from({ length: 20 }, (_, i) => 99 - i));
  expect(await balances(store)).toEqual({ alice: 80, bob: 20, aliceLedger: 80, bobLedger: 20 });
});

it('bounds a batch at maxBatchSize debits, and checks the option', async () => {
  const store = openStore({ maxBatchSize: 64 }, [
    { customerId: 'c-alice', customerName: 'alice', walletId: 'w-alice', balance: 1000 },
    { customerId: 'c-bob', customerName: 'bob', walletId: 'w-bob', balance: 0 },
  ]);
  const before = store.debitCommits;
  await Promise.all(Array.from({ length: 150 }, (_, i) => store.debit(debit(`bounded-${i}`, 'c-alice', 1, 'w-bob'))));
  expect(store.debitCommits - before).toBe(3); // 64 + 64 + 22
  expect((await store.findByCustomer('c-alice'))?.balance).toBe(850);

  for (const maxBatchSize of [0, -1, 1.5, Number.NaN]) {
    expect(() => SqliteWalletStore.open(newFile(), SEED, { maxBatchSize })).toThrow(
      new TypeError(`maxBatchSize: must be a positive integer, got ${String(maxBatchSize)}`),
    );
  }
});

it('answers a mixed batch exactly as the same debits run one after another', async () => {
  const commands = [
    debit('k-1', 'c-alice', 30, 'w-bob'), // debited: alice 70
    debit('k-1', 'c-alice', 30, 'w-bob'), // the same key and body in the same batch: a replay
    debit('k-1', 'c-alice', 31, 'w-bob'), // the same key, another body: 422
    debit('k-2', 'c-alice', 80, 'w-bob'), // more than alice has: 409, nothing recorded
    debit('k-3', 'c-alice', 10, 'w-nowhere'), // not one of our wallets: 404 destination_not_found
    debit('k-4', 'c-nobody', 10, 'w-bob'), // 404 customer_not_found
    debit('k-5', 'c-alice', 10, 'w-alice'), // to her own wallet: 400
    debit('k-6', 'c-bob', 30, 'w-alice'), // bob spends what the first debit paid him: alice 100
    debit('k-2', 'c-alice', 80, 'w-bob'), // the refused key again, now covered: debited, alice 20
    debit('k-1', 'c-alice', 30, 'w-bob', 'client-b'), // another client's k-1 is another debit: 409 (alice 20)
    debit('k-7', 'c-alice', 20, 'w-bob'), // exactly what is left: alice 0
  ];

  const batchedFile = newFile();
  const batched = openStore({}, SEED, batchedFile);
  const before = batched.debitCommits;
  const together = await Promise.all(commands.map((command) => batched.debit(command)));
  expect(batched.debitCommits - before).toBe(1);

  const sequentialFile = newFile();
  const sequential = openStore({}, SEED, sequentialFile);
  const oneByOne: DebitOutcome[] = [];
  for (const command of commands) oneByOne.push(await sequential.debit(command));

  expect(together.map((o) => (o.status === 'debited' ? `debited${o.replayed ? ' (replay)' : ''}` : o.status))).toEqual([
    'debited',
    'debited (replay)',
    'key_reused',
    'insufficient_funds',
    'unknown_destination',
    'unknown_customer',
    'same_wallet',
    'debited',
    'debited',
    'insufficient_funds',
    'debited',
  ]);
  expect(normalized(together)).toEqual(normalized(oneByOne));
  // The replay is the first answer itself.
  expect(together[1]).toEqual({ ...together[0], replayed: true });
  expect(await balances(batched)).toEqual({ alice: 0, bob: 100, aliceLedger: 0, bobLedger: 100 });
  expect(await balances(batched)).toEqual(await balances(sequential));
  expect(idempotencyRecords(batchedFile)).toBe(4);
  expect(idempotencyRecords(sequentialFile)).toBe(4);
});

it('acknowledges none of a batch whose COMMIT fails, and keeps nothing of it', async () => {
  // A debit of 13 leaves a dangling row behind a DEFERRED foreign key: SQLite refuses the COMMIT itself.
  const { store, file } = sabotagedStore(`
    CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY);
    CREATE TEMP TABLE orphan (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TEMP TRIGGER fail_commit AFTER INSERT ON main.ledger_entries WHEN NEW.amount = 13 BEGIN INSERT INTO orphan VALUES (1); END;
  `);
  const before = store.debitCommits;
  const answers = await Promise.allSettled([
    store.debit(debit('k-a', 'c-alice', 10, 'w-bob')),
    store.debit(debit('k-poison', 'c-alice', 13, 'w-bob')),
    store.debit(debit('k-b', 'c-alice', 10, 'w-bob')),
  ]);
  expect(answers.map((a) => a.status)).toEqual(['rejected', 'rejected', 'rejected']);
  for (const answer of answers) expect((answer as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
  expect(store.debitCommits).toBe(before);
  expect(await balances(store)).toEqual({ alice: 100, bob: 0, aliceLedger: 100, bobLedger: 0 });
  expect(idempotencyRecords(file)).toBe(0);

  // Nothing was recorded: the same keys are fresh debits, in the next batch, which commits.
  const retried = await Promise.all([store.debit(debit('k-a', 'c-alice', 10, 'w-bob')), store.debit(debit('k-b', 'c-alice', 10, 'w-bob'))]);
  expect(retried.map((o) => o.status === 'debited' && o.replayed)).toEqual([false, false]);
  expect(await balances(store)).toEqual({ alice: 80, bob: 20, aliceLedger: 80, bobLedger: 20 });
});

it('rolls back a debit that fails half-way to its own savepoint; the rest of its batch commits', async () => {
  // A debit of 17 fails on its credit row, after its debit row and the payer's balance were written.
  const { store, file } = sabotagedStore(`
    CREATE TEMP TRIGGER fail_credit BEFORE INSERT ON main.ledger_entries WHEN NEW.kind = 'credit' AND NEW.amount = 17
    BEGIN SELECT RAISE(ABORT, 'credit refused by the test'); END;
  `);
  const before = store.debitCommits;
  const answers = await Promise.allSettled([
    store.debit(debit('k-a', 'c-alice', 10, 'w-bob')),
    store.debit(debit('k-half', 'c-alice', 17, 'w-bob')),
    store.debit(debit('k-b', 'c-alice', 10, 'w-bob')),
  ]);
  expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((answers[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'credit refused by the test' });
  expect(answers.map((a) => a.status === 'fulfilled' && a.value.status === 'debited' && a.value.response.walletBalance)).toEqual([
    90,
    false,
    80,
  ]);
  expect(store.debitCommits - before).toBe(1);
  expect(await balances(store)).toEqual({ alice: 80, bob: 20, aliceLedger: 80, bobLedger: 20 });
  expect(idempotencyRecords(file)).toBe(2);
});

it('fails the whole batch when an error ends the transaction, and runs none of its rest outside it', async () => {
  // RAISE(ROLLBACK) ends the transaction, as SQLITE_FULL or an I/O error may: the debit before it is undone too.
  const { store, file } = sabotagedStore(`
    CREATE TEMP TRIGGER end_transaction BEFORE INSERT ON main.ledger_entries WHEN NEW.amount = 19
    BEGIN SELECT RAISE(ROLLBACK, 'transaction ended by the test'); END;
  `);
  const answers = await Promise.allSettled([
    store.debit(debit('k-a', 'c-alice', 10, 'w-bob')),
    store.debit(debit('k-end', 'c-alice', 19, 'w-bob')),
    store.debit(debit('k-b', 'c-alice', 10, 'w-bob')),
  ]);
  expect(answers.map((a) => a.status)).toEqual(['rejected', 'rejected', 'rejected']);
  // Each caller learns what ended it (not a follow-on error such as "no such savepoint").
  for (const answer of answers)
    expect((answer as PromiseRejectedResult).reason).toMatchObject({ message: 'transaction ended by the test' });
  expect(await balances(store)).toEqual({ alice: 100, bob: 0, aliceLedger: 100, bobLedger: 0 });
  expect(idempotencyRecords(file)).toBe(0);
});

it('never overdraws under concurrent debits spread over many batches', async () => {
  const store = openStore({ maxBatchSize: 7 }, [
    { customerId: 'c-alice', customerName: 'alice', walletId: 'w-alice', balance: 1000 },
    { customerId: 'c-bob', customerName: 'bob', walletId: 'w-bob', balance: 0 },
  ]);
  const before = store.debitCommits;
  // Two waves: the second is queued after the first's first batch committed, while the rest of it waits.
  const first = Array.from({ length: 30 }, (_, i) => store.debit(debit(`wave1-${i}`, 'c-alice', 30, 'w-bob')));
  await new Promise((resolve) => setImmediate(resolve));
  const second = Array.from({ length: 20 }, (_, i) => store.debit(debit(`wave2-${i}`, 'c-alice', 30, 'w-bob')));
  const outcomes = await Promise.all([...first, ...second]);

  // 1000 / 30: exactly 33 debits fit.
  expect(outcomes.filter((o) => o.status === 'debited')).toHaveLength(33);
  expect(outcomes.filter((o) => o.status === 'insufficient_funds')).toHaveLength(17);
  expect(store.debitCommits - before).toBeGreaterThanOrEqual(Math.ceil(50 / 7));
  expect(await balances(store)).toEqual({ alice: 10, bob: 990, aliceLedger: 10, bobLedger: 990 });
});

it('commits the debits still queued when it is closed; a debit after close is refused, not lost', async () => {
  const file = newFile();
  const store = SqliteWalletStore.open(file, SEED);
  const queued = store.debit(debit('k-closing', 'c-alice', 25, 'w-bob'));
  await store.close();
  await expect(queued).resolves.toMatchObject({ status: 'debited', replayed: false, response: { walletBalance: 75 } });
  await expect(store.debit(debit('k-late', 'c-alice', 1, 'w-bob'))).rejects.toThrow(/not open/);

  const reopened = openStore({}, SEED, file);
  expect(await balances(reopened)).toEqual({ alice: 75, bob: 25, aliceLedger: 75, bobLedger: 25 });
});
