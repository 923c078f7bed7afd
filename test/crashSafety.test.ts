/**
 * Crash safety. The three servers run as real processes (their production build, as
 * production runs them); the wallet-server and then the auth-server are killed with SIGKILL in the middle of load
 * and restarted on the same files. Afterwards: every balance equals its seed minus the sum of its
 * confirmed debits, no idempotency key was debited twice, and every client and signing key the
 * auth-server confirmed is still there (and still works).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { walletIdempotencyKey } from '@m2m/payment-server';
import { DEMO_CALLER_FILE, readJsonFile } from '@m2m/shared';
import { pickPorts, spawnServer, stackEnv, type ChildServer, type StackPorts } from './support/childServers';
import { at, basic, bearer, get, post } from './support/http';
import { runLoad, type LoadOutcome } from './support/load';
import { LogCapture } from './support/logCapture';
import { JANE, JOHN, sdk, tempDir, type M2MCredentials } from './support/stack';

const tmp = tempDir('crash');
const logs = new LogCapture();
let ports: StackPorts;
let env: Record<string, string>;
const servers: Partial<Record<'auth' | 'wallet' | 'payment', ChildServer>> = {};
let project: { projectId: string; projectSecret: string; url: string };

/** John and Jane pay each other: a balance is its seed, less what it paid, plus what it was paid. */
const SEEDS = { [JOHN.customerId]: JOHN.balance, [JANE.customerId]: JANE.balance };
const PAYEE = { [JOHN.customerId]: JANE.walletId, [JANE.customerId]: JOHN.walletId };
/** The demo caller the payment-server provisions in local mode, who sends every payment. */
let caller: { clientId: string; token: string };

interface SentPayment {
  key: string;
  customerId: string;
  amount: number;
}
const sent: SentPayment[] = [];
const confirmed = new Map<string, string>(); // idempotency key → transactionId

async function start(which: 'auth' | 'wallet' | 'payment') {
  const workspace = ({ auth: 'auth-server', wallet: 'wallet-server', payment: 'payment-server' } as const)[which];
  servers[which] = await spawnServer(workspace, ports[which], env, logs);
  return servers[which];
}

beforeAll(async () => {
  ports = await pickPorts();
  // Load and replays here pay faster than one caller may (the limit has its own test).
  env = stackEnv(tmp.dir, ports, { PAYMENT_RATE_LIMIT_PER_MINUTE: '1000000' });
  await start('auth');
  await start('wallet');
  await start('payment');
  const stored = readJsonFile<{ project_id: string; secret: string }>(path.join(tmp.dir, 'stytch-project.json'))!;
  project = { projectId: stored.project_id, projectSecret: stored.secret, url: servers.auth!.url };
  const demo = readJsonFile<{ client_id: string; client_secret: string }>(path.join(tmp.dir, DEMO_CALLER_FILE))!;
  // One token for the whole run: it outlives the auth-server's crash and the key rotations.
  caller = {
    clientId: demo.client_id,
    token: (await sdk(project).m2m.token({ client_id: demo.client_id, client_secret: demo.client_secret })).access_token,
  };
}, 60_000);

afterAll(async () => {
  for (const which of ['payment', 'wallet', 'auth'] as const) await servers[which]?.kill('SIGKILL');
  tmp.remove();
});

async function pay(payment: SentPayment): Promise<{ ok: boolean; error?: string }> {
  try {
    const answer = await post(
      at(servers.payment!.url, '/initiate-payment'),
      { customerId: payment.customerId, debitAmount: payment.amount, destinationWalletId: PAYEE[payment.customerId] },
      { Authorization: bearer(caller.token), 'Idempotency-Key': payment.key },
    );
    if (answer.status === 200) {
      const previous = confirmed.get(payment.key);
      if (previous !== undefined && previous !== answer.body.transactionId)
        return { ok: false, error: `key ${payment.key} confirmed twice with different transactions` };
      confirmed.set(payment.key, answer.body.transactionId);
      return { ok: true };
    }
    return { ok: false, error: `${answer.status} ${answer.body?.error?.code ?? ''}` };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** The i-th payment of a run: alternating customers, amounts 1..3. */
function nextPayment(run: string, i: number): SentPayment {
  const payment = { key: `${run}-${i}`, customerId: i % 2 ? JANE.customerId : JOHN.customerId, amount: (i % 3) + 1 };
  sent.push(payment);
  return payment;
}

const killAfter = (ms: number, which: 'auth' | 'wallet') =>
  new Promise<void>((resolve) => setTimeout(resolve, ms)).then(() => servers[which]!.kill('SIGKILL'));

it('kill -9 of the wallet-server mid-load: payments refused meanwhile (never a 500), and none lost or doubled after the restart', async () => {
  const [outcomes] = await Promise.all([
    runLoad({ ratePerSecond: 20, durationMs: 3_000 }, (i) => pay(nextPayment('wallet-crash', i))),
    killAfter(1_200, 'wallet'),
  ]);
  const failed = outcomes.filter((o) => !o.ok);
  expect(outcomes.some((o) => o.ok)).toBe(true);
  expect(failed.length).toBeGreaterThan(0); // the crash did land in the middle of the load
  for (const outcome of failed) expect(outcome.error).toMatch(/^(502|503|504) /);

  await start('wallet');
  // Every payment refused during the crash, retried with its key, goes through exactly once.
  const retried = await Promise.all(failed.map((o) => pay(sent.find((p) => p.key === `wallet-crash-${o.index}`)!)));
  expect(retried.filter((r) => !r.ok)).toEqual([]);
}, 60_000);

describe('kill -9 of the auth-server mid-load, while clients are created and keys rotated', () => {
  const createdClients: M2MCredentials[] = [];
  const rotatedKids: string[] = [];
  let tokenBeforeCrash: string;
  let outcomes: LoadOutcome<unknown>[];

  it('payments keep going on cached tokens through the crash', async () => {
    const admin = sdk(project);
    const { m2m_client } = await admin.m2m.clients.create({ scopes: ['read:users'], client_name: 'before-crash' });
    createdClients.push({ clientId: m2m_client.client_id, clientSecret: m2m_client.client_secret });
    tokenBeforeCrash = (await admin.m2m.token({ client_id: m2m_client.client_id, client_secret: m2m_client.client_secret })).access_token;

    const stopping = new AbortController();
    const createClients = (async () => {
      for (let i = 0; !stopping.signal.aborted; i++) {
        try {
          const { m2m_client: c } = await admin.m2m.clients.create({ scopes: ['read:users'], client_name: `during-load-${i}` });
          createdClients.push({ clientId: c.client_id, clientSecret: c.client_secret });
        } catch {
          /* the auth-server is being killed: only confirmed creations count */
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const rotateKeys = (async () => {
      for (const delay of [200, 200, 200]) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        try {
          const answer = await post(
            at(project.url, '/v1/local/signing-keys/rotate'),
            { force: true },
            { Authorization: basic(project.projectId, project.projectSecret) },
          );
          if (answer.status === 200) rotatedKids.push(answer.body.kid as string);
        } catch {
          /* killed while generating the key: only confirmed rotations count */
        }
      }
    })();

    [outcomes] = await Promise.all([
      runLoad({ ratePerSecond: 20, durationMs: 3_000 }, (i) => pay(nextPayment('auth-crash', i))),
      killAfter(1_200, 'auth').then(() => {
        stopping.abort();
      }),
      rotateKeys,
    ]);
    await createClients;
    expect(rotatedKids.length).toBeGreaterThanOrEqual(1);
    expect(createdClients.length).toBeGreaterThanOrEqual(2);
    // The payment-server held its tokens and the wallet its keys: the auth-server's death is invisible to payments.
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  }, 60_000);

  it('after the restart on the same files: same project, every confirmed client and key still there and working', async () => {
    await start('auth');
    const stored = readJsonFile<{ project_id: string; secret: string }>(path.join(tmp.dir, 'stytch-project.json'))!;
    expect(stored).toEqual({ project_id: project.projectId, secret: project.projectSecret });

    const admin = sdk(project);
    for (const client of createdClients) {
      const { m2m_client } = await admin.m2m.clients.get({ client_id: client.clientId });
      expect(m2m_client.status).toBe('active');
      // ...and its secret still gets a token.
      await expect(admin.m2m.token({ client_id: client.clientId, client_secret: client.clientSecret })).resolves.toHaveProperty(
        'access_token',
      );
    }
    const jwks = await get(at(project.url, `/v1/sessions/jwks/${project.projectId}`));
    const kids = (jwks.body.keys as { kid: string }[]).map((k) => k.kid);
    for (const kid of rotatedKids) expect(kids).toContain(kid);
    // The key that signs now is published, and it is not one that a confirmed rotation retired
    // (a rotation killed mid-answer may have gone one further: that is allowed, going back is not).
    const token = (await admin.m2m.token({ client_id: createdClients[0]!.clientId, client_secret: createdClients[0]!.clientSecret }))
      .access_token;
    const signingKid = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;
    expect(kids).toContain(signingKid);
    expect(rotatedKids.slice(0, -1)).not.toContain(signingKid);
    // A token issued before the crash still verifies at the wallet.
    const answer = await post(
      at(servers.wallet!.url, '/api/check-balance'),
      { customerId: JOHN.customerId },
      { Authorization: bearer(tokenBeforeCrash) },
    );
    expect(answer.status).toBe(200);
  }, 60_000);
});

it('kill -9 of both while payments run, restart both: refused payments retried once each go through', async () => {
  const [outcomes] = await Promise.all([
    runLoad({ ratePerSecond: 20, durationMs: 2_000 }, (i) => pay(nextPayment('double-crash', i))),
    killAfter(800, 'wallet').then(() => servers.auth!.kill('SIGKILL')),
  ]);
  await start('auth');
  await start('wallet');
  const failed = outcomes.filter((o) => !o.ok);
  for (const outcome of failed) expect(outcome.error).toMatch(/^(502|503|504) /);
  const retried = await Promise.all(failed.map((o) => pay(sent.find((p) => p.key === `double-crash-${o.index}`)!)));
  expect(retried.filter((r) => !r.ok)).toEqual([]);
}, 60_000);

it('kill -9 of the payment-server in the middle of its one-shot secret rotation, under load: after the restart it pays, on a secret the auth-server accepts', async () => {
  const adminKey = fs.readFileSync(path.join(tmp.dir, 'payment-server-admin-key'), 'utf8').trim();
  const credentialsFile = path.join(tmp.dir, 'payment-server-credentials.json');
  const clientId = readJsonFile<{ client_id: string }>(credentialsFile)!.client_id;
  const rotation = post(at(servers.payment!.url, '/admin/m2m/secret-rotation'), {}, { Authorization: bearer(adminKey) }).catch(
    () => undefined,
  );
  const [outcomes] = await Promise.all([
    runLoad({ ratePerSecond: 20, durationMs: 1_000 }, (i) => pay(nextPayment('payment-crash', i))),
    // A few milliseconds in: somewhere between rotate/start and the file's last write.
    new Promise((resolve) => setTimeout(resolve, 15)).then(() => servers.payment!.kill('SIGKILL')),
  ]);
  await rotation;
  expect(outcomes.some((o) => !o.ok)).toBe(true);

  await start('payment');
  const failed = outcomes.filter((o) => !o.ok);
  const retried = await Promise.all(failed.map((o) => pay(sent.find((p) => p.key === `payment-crash-${o.index}`)!)));
  expect(retried.filter((r) => !r.ok)).toEqual([]);

  // Whatever step the kill interrupted, the file's secret (or its pending next secret) gets a token.
  const stored = readJsonFile<{ client_id: string; client_secret: string; next_client_secret?: string }>(credentialsFile)!;
  expect(stored.client_id).toBe(clientId);
  const secret = stored.next_client_secret ?? stored.client_secret;
  await expect(sdk(project).m2m.token({ client_id: clientId, client_secret: secret })).resolves.toHaveProperty('access_token');
}, 60_000);

it('every payment sent was confirmed once; balances = seed − paid + received; no key debited twice; ledgers add up', async () => {
  expect(confirmed.size).toBe(sent.length);
  // Replaying every key now changes nothing and gives the same transaction.
  const replays = await Promise.all(sent.map((p) => pay(p)));
  expect(replays.filter((r) => !r.ok)).toEqual([]);

  await servers.payment!.kill('SIGTERM');
  await servers.wallet!.kill('SIGTERM');
  const db = new Database(path.join(tmp.dir, 'wallet-server.db'), { readonly: true });
  try {
    for (const [customerId, seed] of Object.entries(SEEDS)) {
      const debited = sent.filter((p) => p.customerId === customerId).reduce((sum, p) => sum + p.amount, 0);
      const row = db.prepare('SELECT wallet_id, balance FROM wallets WHERE customer_id = ?').get(customerId) as {
        wallet_id: string;
        balance: number;
      };
      const received = sent.filter((p) => PAYEE[p.customerId] === row.wallet_id).reduce((sum, p) => sum + p.amount, 0);
      expect({ customerId, balance: row.balance }).toEqual({ customerId, balance: seed - debited + received });
      const ledger = db.prepare('SELECT sum(amount) AS total FROM ledger_entries WHERE wallet_id = ?').get(row.wallet_id) as {
        total: number;
      };
      expect(ledger.total).toBe(row.balance);
    }
    // One debit row per idempotency record, and one record per key we sent (as the wallet sees it:
    // scoped to our caller): nothing debited twice.
    const records = db.prepare('SELECT idempotency_key, response FROM idempotent_debits').all() as {
      idempotency_key: string;
      response: string;
    }[];
    const callerKey = new Map(sent.map((p) => [walletIdempotencyKey(caller.clientId, p.key), p.key]));
    expect(records.map((r) => callerKey.get(r.idempotency_key)).sort()).toEqual(sent.map((p) => p.key).sort());
    const debits = db.prepare("SELECT transaction_id FROM ledger_entries WHERE kind = 'debit'").all() as { transaction_id: string }[];
    expect(debits.map((d) => d.transaction_id).sort()).toEqual(
      records.map((r) => (JSON.parse(r.response) as { transactionId: string }).transactionId).sort(),
    );
    for (const r of records)
      expect(confirmed.get(callerKey.get(r.idempotency_key)!)).toBe((JSON.parse(r.response) as { transactionId: string }).transactionId);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    db.close();
  }
  expect(fs.existsSync(path.join(tmp.dir, 'payment-server-credentials.json'))).toBe(true);
}, 60_000);

it('no process answered 500 or died of an unhandled error', () => {
  expect(logs.lines.filter((line) => /"statusCode":500|Unhandled|uncaught/i.test(line)).map((line) => line.slice(0, 300))).toEqual([]);
});
