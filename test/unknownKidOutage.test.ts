/**
 * The auth-server down, and a token under a kid the wallet has never seen: refused (503 or 401,
 * never accepted, never 500), nothing debited; accepted once the auth-server is back, by itself.
 *
 * Recovery waits on jose (the SDK's JWKS client): it re-fetches for an unknown kid at most once
 * per 30 s cool-down, measured with Date.now(). Rather than sleep 30 s, the test's clock jumps past
 * the cool-down (only Date is faked; timers stay real, so sockets and retries keep their pace).
 * That is why this is its own file and the jump its last step: tokens issued after it would carry
 * an `iat` 31 s ahead of the clock the middleware captured at start-up.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { at, basic, bearer, post } from './support/http';
import { eventually } from './support/eventually';
import { LogCapture } from './support/logCapture';
import { accessToken, createM2MClient, JANE, JOHN, sdk, startAuth, startWallet, tempDir, type M2MCredentials } from './support/stack';

const JOSE_COOLDOWN_MS = 30_000;

const tmp = tempDir('unknown-kid-outage');
const logs = new LogCapture();
const authDb = path.join(tmp.dir, 'auth.db');
let auth: RunningAuthServer | undefined;
let wallet: RunningWalletServer;
let project: { projectId: string; projectSecret: string; url: string };
let caller: M2MCredentials;

beforeAll(async () => {
  auth = await startAuth({ databaseFile: authDb, logger: logs.logger('auth-server') });
  project = { projectId: auth.projectId, projectSecret: auth.projectSecret, url: auth.url };
  wallet = await startWallet(project, { databaseFile: path.join(tmp.dir, 'wallet.db'), logger: logs.logger('wallet-server') });
  caller = await createM2MClient(sdk(project), ['read:users', 'write:wallets']);
});

afterAll(async () => {
  jest.useRealTimers();
  await wallet.close();
  await auth?.close();
  tmp.remove();
});

const checkBalance = (token: string) =>
  post(at(wallet.url, '/api/check-balance'), { customerId: JOHN.customerId }, { Authorization: bearer(token) });
const johnsBalance = async () => (await wallet.wallets.findByCustomer(JOHN.customerId))!.balance;

it('refuses a token under a kid it has never seen (503 or 401, never accepted, never 500), and accepts it once the auth-server is back', async () => {
  // The wallet has the JWKS cached.
  expect((await checkBalance(await accessToken(sdk(project), caller))).status).toBe(200);
  // The auth-server publishes its next key before it signs, so one rotation is no surprise to a
  // wallet with a cached JWKS. After two, it signs with a key created (and published) after the
  // wallet's last fetch: a kid the wallet has never seen.
  const kids: string[] = [];
  for (let i = 0; i < 2; i++) {
    // Forced: the second activates a key younger than the auth-server's safe minimum, which is the point here.
    const rotated = await post(
      at(project.url, '/v1/local/signing-keys/rotate'),
      { force: true },
      { Authorization: basic(project.projectId, project.projectSecret) },
    );
    expect(rotated.status).toBe(200);
    kids.push(rotated.body.kid as string);
  }
  const underNewKid = await accessToken(sdk(project), caller);
  expect(JSON.parse(Buffer.from(underNewKid.split('.')[0]!, 'base64url').toString()).kid).toBe(kids[1]);
  await auth!.close();
  auth = undefined;

  const before = await johnsBalance();
  for (let i = 0; i < 3; i++) {
    const answer = await post(
      at(wallet.url, '/api/debit'),
      { customerId: JOHN.customerId, amount: 1, destinationWalletId: JANE.walletId },
      { Authorization: bearer(underNewKid), 'Idempotency-Key': randomUUID() },
    );
    expect([401, 503]).toContain(answer.status);
    if (answer.status === 503) expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
  }
  expect(await johnsBalance()).toBe(before);
  expect(logs.lines.filter((line) => /"statusCode":500/.test(line))).toEqual([]);

  // Back on the same port and files. Within the cool-down, jose does not look again...
  auth = await startAuth({ port: Number(new URL(project.url).port), databaseFile: authDb, logger: logs.logger('auth-server') });
  expect([401, 503]).toContain((await checkBalance(underNewKid)).status);
  // ...and once it has passed, the wallet takes the token with no restart and nothing else done.
  jest.useFakeTimers({
    now: Date.now() + JOSE_COOLDOWN_MS + 1_000,
    advanceTimers: true,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
  await eventually(async () => expect((await checkBalance(underNewKid)).status).toBe(200), { timeoutMs: 10_000, intervalMs: 250 });
});
