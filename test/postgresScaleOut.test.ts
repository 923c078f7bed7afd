/**
 * Scale-out on PostgreSQL: three wallet-server processes (their production build, with
 * WALLET_DATABASE_URL) on one real PostgreSQL server. A storm of debits between the tutorial's two
 * customers, each key sent twice at once to two different processes, and one process killed with
 * SIGKILL a third of the way in. Then every debit that was not answered is retried with its key on a
 * survivor, as a caller would, and the database is read directly: no overdraft, no key debited
 * twice, every acknowledged debit there with the transaction id it was acknowledged with, and each
 * ledger summing to its balance.
 */
import type { RunningAuthServer } from '@m2m/auth-server';
import { spawnServer, type ChildServer } from './support/childServers';
import { freePort } from './support/freePort';
import { at, bearer, post } from './support/http';
import { runConcurrently } from './support/load';
import { LogCapture } from './support/logCapture';
import { startPostgres, type TestPostgres } from './support/postgres';
import { accessToken, createM2MClient, JANE, JOHN, sdk, startAuth, tempDir } from './support/stack';

const STORM = 300; // debits, each sent twice
const CONCURRENCY = 24;
const tmp = tempDir('scale-out');
const logs = new LogCapture();
let postgres: TestPostgres;
let auth: RunningAuthServer;
const wallets: ChildServer[] = [];
let token: string;
let clientId: string;

beforeAll(async () => {
  [postgres, auth] = await Promise.all([startPostgres(), startAuth()]);
  const env = {
    WALLET_DATABASE_URL: postgres.url(),
    DATA_DIR: tmp.dir,
    AUTH_SERVER_PORT: String(auth.port),
    STYTCH_PROJECT_ID: auth.projectId,
    STYTCH_SECRET: auth.projectSecret,
  };
  const ports = [await freePort(), await freePort(), await freePort()];
  // Started together: their migrations meet the advisory lock, as a fleet's would. Each is kept as
  // soon as it is up, so that afterAll stops it even if another fails to start.
  await Promise.all(
    ports.map(async (port) => {
      wallets.push(await spawnServer('wallet-server', port, { ...env, WALLET_SERVER_PORT: String(port) }, logs));
    }),
  );
  const admin = sdk(auth);
  const client = await createM2MClient(admin, ['write:wallets']);
  clientId = client.clientId;
  token = await accessToken(admin, client);
}, 90_000);

afterAll(async () => {
  await Promise.all(wallets.map((wallet) => wallet.kill('SIGTERM')));
  await auth.close();
  await postgres.close();
  tmp.remove();
});

interface Debit {
  key: string;
  customerId: string;
  destinationWalletId: string;
  amount: number;
}

/** John pays twice as often as Jane, in amounts up to 40: John runs dry, so refusals are part of the storm. */
function debitNumber(i: number): Debit {
  const fromJohn = i % 3 !== 2;
  return {
    key: `storm-${String(i)}`,
    customerId: fromJohn ? JOHN.customerId : JANE.customerId,
    destinationWalletId: fromJohn ? JANE.walletId : JOHN.walletId,
    amount: (i % 40) + 1,
  };
}

type Answer = { status: number; transactionId?: string } | { status: 'unanswered' };

async function send(wallet: ChildServer, debit: Debit): Promise<Answer> {
  try {
    const answer = await post(
      at(wallet.url, '/api/debit'),
      { customerId: debit.customerId, amount: debit.amount, destinationWalletId: debit.destinationWalletId },
      { Authorization: bearer(token), 'Idempotency-Key': debit.key },
    );
    return { status: answer.status, transactionId: answer.body?.transactionId };
  } catch {
    return { status: 'unanswered' }; // the process died with the request in it, or was dead already
  }
}

it('a storm of debits and same-key retries over three processes, one killed mid-storm: nothing lost, nothing doubled, no overdraft', async () => {
  const debits = Array.from({ length: STORM }, (_, i) => debitNumber(i));
  const acknowledged = new Map<string, string>(); // key → transactionId
  const acknowledge = (debit: Debit, answer: Answer) => {
    if (answer.status !== 200) return;
    const previous = acknowledged.get(debit.key);
    // Two 200s for one key must be one debit: the second a replay of the first.
    if (previous !== undefined)
      expect({ key: debit.key, transactionId: answer.transactionId }).toEqual({ key: debit.key, transactionId: previous });
    acknowledged.set(debit.key, answer.transactionId!);
  };

  let answered = 0;
  const victim = wallets[0]!;
  const answers = await runConcurrently(STORM, CONCURRENCY, async (i) => {
    const debit = debits[i]!;
    // The same key at the same moment to two different processes.
    const pair = await Promise.all([send(wallets[i % 3]!, debit), send(wallets[(i + 1) % 3]!, debit)]);
    for (const answer of pair) acknowledge(debit, answer);
    // A third of the way in, with debits in flight on every process: kill -9 one of them.
    if (++answered === Math.floor(STORM / 3)) void victim.kill('SIGKILL');
    return pair;
  });
  await victim.exited;
  const statuses = answers.flat().map((answer) => answer.status);
  expect(statuses.filter((status) => status === 'unanswered').length).toBeGreaterThan(0); // the kill landed mid-storm
  expect(statuses.filter((status) => status === 409).length).toBeGreaterThan(0); // funds ran out: the overdraft check was tested
  expect(statuses.filter((status) => ![200, 409, 'unanswered'].includes(status))).toEqual([]);

  // Every debit that went unanswered is retried with its key on a survivor, as its caller would (a 409
  // beside it does not settle it: the money may have arrived before the unanswered one ran).
  const survivors = wallets.slice(1);
  for (const [i, debit] of debits.entries()) {
    if (acknowledged.has(debit.key) || !answers[i]!.some((answer) => answer.status === 'unanswered')) continue;
    const retried = await send(survivors[i % 2]!, debit);
    expect([200, 409]).toContain(retried.status);
    acknowledge(debit, retried);
  }

  // The database, read directly.
  const records = await postgres.query<{ idempotency_key: string; transaction_id: string }>(
    "SELECT idempotency_key, response->>'transactionId' AS transaction_id FROM idempotent_debits WHERE client_id = $1",
    [clientId],
  );
  // Exactly the acknowledged keys are recorded, each with the transaction it was acknowledged with.
  expect(new Map(records.map((r) => [r.idempotency_key, r.transaction_id]))).toEqual(acknowledged);
  const debitRows = await postgres.query<{ transaction_id: string; wallet_id: string; amount: string }>(
    "SELECT transaction_id, wallet_id, amount FROM ledger_entries WHERE kind = 'debit'",
  );
  // One debit row per acknowledged debit (never two for one key), for the amount asked.
  expect(debitRows.map((row) => row.transaction_id).sort()).toEqual([...acknowledged.values()].sort());
  const byKey = new Map(debits.map((debit) => [debit.key, debit]));
  const amountOf = new Map([...acknowledged].map(([key, transactionId]) => [transactionId, byKey.get(key)!.amount]));
  for (const row of debitRows) expect(-Number(row.amount)).toBe(amountOf.get(row.transaction_id));

  const paid = (customerId: string) =>
    [...acknowledged.keys()]
      .map((key) => byKey.get(key)!)
      .filter((debit) => debit.customerId === customerId)
      .reduce((sum, d) => sum + d.amount, 0);
  const books = await postgres.query<{ customer_id: string; balance: string; ledger: string }>(
    'SELECT customer_id, balance, (SELECT sum(amount) FROM ledger_entries e WHERE e.wallet_id = w.wallet_id) AS ledger FROM wallets w ORDER BY customer_id',
  );
  const john = JOHN.balance - paid(JOHN.customerId) + paid(JANE.customerId);
  const jane = JANE.balance - paid(JANE.customerId) + paid(JOHN.customerId);
  expect(books).toEqual(
    [
      { customer_id: JOHN.customerId, balance: String(john), ledger: String(john) },
      { customer_id: JANE.customerId, balance: String(jane), ledger: String(jane) },
    ].sort((a, b) => a.customer_id.localeCompare(b.customer_id)),
  );
  expect(Math.min(john, jane)).toBeGreaterThanOrEqual(0);
}, 120_000);

it('no process answered 500 or died of an unhandled error', () => {
  expect(logs.lines.filter((line) => /"statusCode":5\d\d|Unhandled|uncaught/i.test(line)).map((line) => line.slice(0, 300))).toEqual([]);
});
