/**
 * The payment-server's one-shot secret rotation (POST /admin/m2m/secret-rotation)
 * while 20 payments/s run for its whole duration, before, during and after: zero failed payments.
 * Tokens live 4 s here, so the payment-server keeps fetching new ones throughout: payments depend
 * on the secret in use at every moment, not only on tokens cached before the rotation.
 */
import path from 'node:path';
import type { RunningAuthServer } from '@m2m/auth-server';
import { TokenProvider, type RunningPaymentServer } from '@m2m/payment-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { PAYMENT_API_SCOPE, readJsonFile } from '@m2m/shared';
import { at, bearer, post } from './support/http';
import { payAsCaller } from './support/paymentCaller';
import { failureSummary, runLoad } from './support/load';
import {
  ADMIN_API_KEY,
  createM2MClient,
  JANE,
  JOHN,
  projectOf,
  sdk,
  startAuth,
  startPayment,
  startWallet,
  tempDir,
  closeAll,
} from './support/stack';

const tmp = tempDir('secret-rotation');
const credentialsFile = path.join(tmp.dir, 'payment-credentials.json');
let auth: RunningAuthServer;
let wallet: RunningWalletServer;
let payment: RunningPaymentServer;
/** The payment API's caller keeps its own tokens fresh (they live 4 s here), as any caller would. */
let callerTokens: TokenProvider;

beforeAll(async () => {
  auth = await startAuth({ databaseFile: path.join(tmp.dir, 'auth.db'), tokenLifetimeSeconds: 4 });
  wallet = await startWallet(auth, {
    databaseFile: path.join(tmp.dir, 'wallet.db'),
    seed: [
      { ...JOHN, customerName: 'john_doe', balance: 1_000_000 },
      { ...JANE, customerName: 'jane_doe' },
    ],
  });
  payment = await startPayment({ stytchProject: projectOf(auth), walletServerUrl: wallet.url, credentialsFile });
  callerTokens = new TokenProvider({
    stytch: sdk(auth),
    credentials: await createM2MClient(sdk(auth), [PAYMENT_API_SCOPE], 'checkout-service'),
  });
});

afterAll(async () => {
  await closeAll(callerTokens, payment, wallet, auth);
  tmp.remove();
});

const storedSecret = () => readJsonFile<{ client_id: string; client_secret: string; next_client_secret?: string }>(credentialsFile)!;

async function pay() {
  const answer = await payAsCaller(payment.url, callerTokens, {
    customerId: JOHN.customerId,
    debitAmount: 1,
    destinationWalletId: JANE.walletId,
  });
  return answer.status === 200
    ? { ok: true, value: Date.now() }
    : { ok: false, error: `payment ${answer.status} ${answer.body?.error?.code ?? ''}: ${answer.body?.error?.message ?? ''}` };
}

async function tokenStatus(clientId: string, secret: string): Promise<number> {
  try {
    await sdk(auth).m2m.token({ client_id: clientId, client_secret: secret });
    return 200;
  } catch (err) {
    return (err as { status_code?: number }).status_code ?? 0;
  }
}

it('two one-shot rotations during 7 s of 20 payments/s: zero failed payments, each debited once, the new secret on disk', async () => {
  expect((await pay()).ok).toBe(true);
  const original = storedSecret();
  const before = (await wallet.wallets.findByCustomer(JOHN.customerId))!.balance;
  const tokenRequestsBefore = payment.tokenProvider.stats().tokenRequests;
  const rotations: { startedAt: number; endedAt: number; status: number; body: unknown }[] = [];

  const rotateTwice = async () => {
    for (const delay of [1_500, 1_000]) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      const startedAt = Date.now();
      const answer = await post(at(payment.url, '/admin/m2m/secret-rotation'), {}, { Authorization: bearer(ADMIN_API_KEY) });
      rotations.push({ startedAt, endedAt: Date.now(), status: answer.status, body: answer.body });
    }
  };
  const [payments] = await Promise.all([runLoad({ ratePerSecond: 20, durationMs: 7_000 }, () => pay()), rotateTwice()]);

  expect(rotations.map((r) => [r.status, (r.body as { rotation?: string }).rotation])).toEqual([
    [200, 'completed'],
    [200, 'completed'],
  ]);
  // The load covered each rotation from before its start to after its end.
  const paidAt = payments.filter((p) => p.ok).map((p) => p.value!);
  for (const rotation of rotations) {
    expect(paidAt.some((t) => t < rotation.startedAt)).toBe(true);
    expect(paidAt.some((t) => t > rotation.endedAt)).toBe(true);
  }
  expect(failureSummary(payments)).toEqual({});
  expect(payments).toHaveLength(140);
  // Tokens were fetched throughout (two scope sets, 4 s tokens, 7 s): not a run on tokens cached beforehand.
  expect(payment.tokenProvider.stats().tokenRequests - tokenRequestsBefore).toBeGreaterThanOrEqual(4);
  expect((await wallet.wallets.findByCustomer(JOHN.customerId))!.balance).toBe(before - payments.length);

  // On disk: the newest secret only; at the auth-server: it works, the two before it don't.
  const now = storedSecret();
  expect(now.client_id).toBe(original.client_id);
  expect(now.next_client_secret).toBeUndefined();
  expect(now.client_secret).not.toBe(original.client_secret);
  expect(await tokenStatus(now.client_id, now.client_secret)).toBe(200);
  expect(await tokenStatus(original.client_id, original.client_secret)).toBe(401);
}, 40_000);

it('a restart after the rotations runs on the secret from the file', async () => {
  await payment.close();
  payment = await startPayment({ stytchProject: projectOf(auth), walletServerUrl: wallet.url, credentialsFile });
  expect((await pay()).ok).toBe(true);
});
