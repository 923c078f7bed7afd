/**
 * Outages. With the auth-server stopped the wallet keeps accepting valid tokens with its cached
 * keys (a token under a kid it has never seen: unknownKidOutage.test.ts); the payment-server keeps
 * paying with its cached tokens and answers 503 when it has none; with the wallet-server stopped
 * payments answer 502/503 and nothing is debited. Each recovers by itself once the peer is back
 * (same port, same files: a restart, not a new server).
 */
import net from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningPaymentServer } from '@m2m/payment-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { readJsonFile } from '@m2m/shared';
import { at, bearer, post, request, type HttpAnswer } from './support/http';
import { LogCapture } from './support/logCapture';
import {
  accessToken,
  createM2MClient,
  JANE,
  JOHN,
  paymentCallerToken,
  sdk,
  startAuth,
  startPayment,
  startWallet,
  tempDir,
  type M2MCredentials,
  projectOf,
} from './support/stack';

const tmp = tempDir('outages');
const logs = new LogCapture();
const authDb = path.join(tmp.dir, 'auth.db');
const walletDb = path.join(tmp.dir, 'wallet.db');
const credentialsFile = path.join(tmp.dir, 'payment-credentials.json');
let auth: RunningAuthServer | undefined;
let authPort: number;
let wallet: RunningWalletServer | undefined;
let walletPort: number;
let payment: RunningPaymentServer | undefined;
let caller: M2MCredentials;

const restartAuth = async () => {
  auth = await startAuth({ port: authPort, databaseFile: authDb, logger: logs.logger('auth-server') });
  return auth;
};
const stopAuth = async () => {
  await auth?.close();
  auth = undefined;
};
const restartWallet = async () => {
  wallet = await startWallet(authView(), { port: walletPort, databaseFile: walletDb, logger: logs.logger('wallet-server') });
  return wallet;
};
const stopWallet = async () => {
  await wallet?.close();
  wallet = undefined;
};

// The project's identity survives the auth-server's restarts (same database): keep it to build clients while it is down.
let project: { projectId: string; projectSecret: string; url: string };
const authView = () => project;
/** The payment API's caller: one token, issued before any outage. */
let payerToken: string;

beforeAll(async () => {
  auth = await startAuth({ databaseFile: authDb, logger: logs.logger('auth-server') });
  authPort = auth.port;
  project = { projectId: auth.projectId, projectSecret: auth.projectSecret, url: auth.url };
  wallet = await startWallet(project, { databaseFile: walletDb, logger: logs.logger('wallet-server') });
  walletPort = wallet.port;
  payment = await startPayment({
    stytchProject: projectOf(project),
    walletServerUrl: wallet.url,
    credentialsFile,
    logger: logs.logger('payment-server'),
  });
  caller = await createM2MClient(sdk(project), ['read:users', 'write:wallets']);
  payerToken = await paymentCallerToken(sdk(project));
});

afterAll(async () => {
  await payment?.close();
  await wallet?.close();
  await auth?.close();
  tmp.remove();
});

const checkBalance = (token: string): Promise<HttpAnswer> =>
  post(at(wallet!.url, '/api/check-balance'), { customerId: JOHN.customerId }, { Authorization: bearer(token) });
const pay = (amount = 1, key: string = randomUUID()) =>
  post(
    at(payment!.url, '/initiate-payment'),
    { customerId: JOHN.customerId, debitAmount: amount, destinationWalletId: JANE.walletId },
    { Authorization: bearer(payerToken), 'Idempotency-Key': key },
  );
const johnsBalance = async () => (await wallet!.wallets.findByCustomer(JOHN.customerId))!.balance;

describe('auth-server down: the wallet-server', () => {
  it('keeps accepting valid tokens, including ones it has never seen, with the keys it cached', async () => {
    const seen = await accessToken(sdk(project), caller);
    const unseen = await accessToken(sdk(project), caller);
    expect((await checkBalance(seen)).status).toBe(200);
    await stopAuth();
    expect((await checkBalance(seen)).status).toBe(200);
    // Never presented before: verified now, against the cached JWKS, with no auth-server to ask.
    expect((await checkBalance(unseen)).status).toBe(200);
  });

  it('a wallet started while the auth-server is down (no keys cached) answers 503 with Retry-After, then serves once it is back', async () => {
    await restartAuth();
    const token = await accessToken(sdk(project), caller);
    await stopAuth();
    const cold = await startWallet(project, { databaseFile: path.join(tmp.dir, 'cold-wallet.db'), logger: logs.logger('cold-wallet') });
    try {
      const before = (await cold.wallets.findByCustomer(JOHN.customerId))!.balance;
      const answer = await post(
        at(cold.url, '/api/debit'),
        { customerId: JOHN.customerId, amount: 1, destinationWalletId: JANE.walletId },
        { Authorization: bearer(token), 'Idempotency-Key': randomUUID() },
      );
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(answer.body.error.code).toBe('temporarily_unavailable');
      expect((await cold.wallets.findByCustomer(JOHN.customerId))!.balance).toBe(before);
      expect((await request('GET', at(cold.url, '/readyz'))).status).toBe(503);

      await restartAuth();
      const again = await post(at(cold.url, '/api/check-balance'), { customerId: JOHN.customerId }, { Authorization: bearer(token) });
      expect(again.status).toBe(200);
      expect((await request('GET', at(cold.url, '/readyz'))).status).toBe(200);
    } finally {
      await cold.close();
    }
  });
});

describe('auth-server down: the payment-server', () => {
  it('keeps paying with its cached tokens', async () => {
    expect(auth).toBeDefined();
    expect((await pay()).status).toBe(200); // both tokens cached now
    await stopAuth();
    const before = await johnsBalance();
    for (let i = 0; i < 3; i++) expect((await pay()).status).toBe(200);
    expect(await johnsBalance()).toBe(before - 3);
  });

  it('answers 503 with Retry-After when restarted during the outage (no signing keys to verify its caller, no token), debits nothing, and recovers by itself', async () => {
    await payment!.close();
    payment = await startPayment({
      stytchProject: projectOf(project),
      walletServerUrl: wallet!.url,
      credentialsFile,
      logger: logs.logger('payment-server'),
    });
    const before = await johnsBalance();
    const key = randomUUID();
    const answer = await pay(1, key);
    // Its guard can't verify the caller's token without the auth server's keys: refused before any payment step.
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('temporarily_unavailable');
    expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await johnsBalance()).toBe(before);

    await restartAuth();
    // The same request, retried with the same key, now goes through: once.
    const retried = await pay(1, key);
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotency-key')).toBe(key);
    expect((await pay(1, key)).status).toBe(200);
    expect(await johnsBalance()).toBe(before - 1);
  });
});

describe('wallet-server down: the payment-server', () => {
  it('answers 502/503 and debits nothing, then recovers by itself when the wallet is back on its port', async () => {
    expect((await pay()).status).toBe(200);
    const before = await johnsBalance();
    await stopWallet();
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    for (const key of keys) {
      const answer = await pay(1, key);
      expect([502, 503]).toContain(answer.status);
      expect(answer.body.error.code).toMatch(/wallet/);
    }
    await restartWallet();
    expect(await johnsBalance()).toBe(before);
    // Every refused payment can be retried with its key, and goes through exactly once.
    for (const key of keys) expect((await pay(1, key)).status).toBe(200);
    for (const key of keys) expect((await pay(1, key)).status).toBe(200);
    expect(await johnsBalance()).toBe(before - keys.length);
  });
});

describe('both down, then both back', () => {
  it('no 500 anywhere, and payments flow again without restarting the payment-server', async () => {
    await stopWallet();
    await stopAuth();
    const answer = await pay();
    expect([502, 503]).toContain(answer.status);
    await restartAuth();
    await restartWallet();
    expect((await pay()).status).toBe(200);
    expect(logs.lines.filter((line) => /"statusCode":5\d\d/.test(line) && !/"statusCode":50[23]/.test(line))).toEqual([]);
  });
});

describe('auth-server hanging (accepts connections, never answers)', () => {
  it('the payment-server (its guard without keys to check the caller) and the cold wallet answer 503: bounded waits, nothing debited, no 500', async () => {
    const sockets: net.Socket[] = [];
    const blackHole = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const hung = { ...project, url: `http://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}/` };
    const token = await accessToken(sdk(project), caller);
    const stored = readJsonFile<{ client_id: string; client_secret: string }>(credentialsFile)!;
    const coldWallet = await startWallet(hung, { databaseFile: path.join(tmp.dir, 'hung-wallet.db') });
    const stuckPayment = await startPayment({
      stytchProject: projectOf(hung),
      walletServerUrl: wallet!.url,
      credentialsFile: path.join(tmp.dir, 'hung-payment-credentials.json'),
      clientId: stored.client_id,
      clientSecret: stored.client_secret,
      selfProvision: false,
    });
    try {
      const before = await johnsBalance();
      const [paid, checked] = await Promise.all([
        post(
          at(stuckPayment.url, '/initiate-payment'),
          { customerId: JOHN.customerId, debitAmount: 1, destinationWalletId: JANE.walletId },
          { Authorization: bearer(payerToken) },
        ),
        post(at(coldWallet.url, '/api/check-balance'), { customerId: JOHN.customerId }, { Authorization: bearer(token) }),
      ]);
      // (A hung token endpoint behind reachable keys is a 504 auth_server_timeout: payment-server/test/payments.test.ts.)
      expect({ status: paid.status, code: paid.body.error.code }).toEqual({ status: 503, code: 'temporarily_unavailable' });
      expect(await johnsBalance()).toBe(before);
      expect({ status: checked.status, code: checked.body.error.code }).toEqual({ status: 503, code: 'temporarily_unavailable' });
    } finally {
      await stuckPayment.close();
      await coldWallet.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    }
  }, 30_000);
});

it('every wallet ledger still sums to its balance', async () => {
  for (const w of [JOHN, JANE])
    expect(await wallet!.wallets.ledgerSum(w.walletId)).toBe((await wallet!.wallets.findByCustomer(w.customerId))!.balance);
});
