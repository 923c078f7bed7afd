/**
 * A SaaS customer's service pays through the payment-server, whose M2M client is one of the demo
 * tenant's, made by the tenant owner through the wallet's API; its TokenProvider gets its tokens from
 * the wallet's own token endpoint (TOKEN_ISSUER_URL = the wallet's URL: RFC 8414 discovery). The
 * tenant owner rotates that client's secret through the wallet's API (start, then complete) while
 * 20 payments/s run: zero failed payments. Tokens live 4 s, so tokens are fetched throughout.
 */
import path from 'node:path';
import type { RunningAuthServer } from '@m2m/auth-server';
import { TokenProvider, type RunningPaymentServer } from '@m2m/payment-server';
import { PAYMENT_API_SCOPE, TENANT_CLAIMS_TEMPLATE } from '@m2m/shared';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { at, bearer, post } from './support/http';
import { payAsCaller } from './support/paymentCaller';
import { eventually } from './support/eventually';
import { failureSummary, runLoad } from './support/load';
import { leakedSecrets, LogCapture } from './support/logCapture';
import {
  closeAll,
  createM2MClient,
  createTenantOwner,
  JANE,
  JOHN,
  projectOf,
  sdk,
  startAuth,
  startPayment,
  startWallet,
  tempDir,
  walletToken,
  walletTokenStatus,
  type M2MCredentials,
} from './support/stack';

const tmp = tempDir('tenant-rotation');
const walletLogs = new LogCapture();
let auth: RunningAuthServer;
let wallet: RunningWalletServer;
let payment: RunningPaymentServer;
let callerTokens: TokenProvider;
let owner: M2MCredentials;
let paymentClient: M2MCredentials;

beforeAll(async () => {
  auth = await startAuth({
    databaseFile: path.join(tmp.dir, 'auth.db'),
    tokenLifetimeSeconds: 4,
    customClaimsTemplate: TENANT_CLAIMS_TEMPLATE,
  });
  wallet = await startWallet(auth, {
    databaseFile: path.join(tmp.dir, 'wallet.db'),
    logger: walletLogs.logger('wallet-server'),
    seed: [
      { ...JOHN, customerName: 'john_doe', balance: 1_000_000 },
      { ...JANE, customerName: 'jane_doe' },
    ],
  });
  owner = await createTenantOwner(sdk(auth), 'demo', ['read:users', 'write:wallets']);
  const created = await post(
    at(wallet.url, '/tenant/m2m/clients'),
    { client_name: 'demo-payments', scopes: ['read:users', 'write:wallets'] },
    { Authorization: bearer(await walletToken(wallet.url, owner)) },
  );
  expect(created.status).toBe(201);
  paymentClient = { clientId: created.body.m2m_client.client_id, clientSecret: created.body.m2m_client.client_secret };
  payment = await startPayment({
    stytchProject: projectOf(auth),
    walletServerUrl: wallet.url,
    credentialsFile: path.join(tmp.dir, 'payment-credentials.json'),
    ...paymentClient,
    tokenIssuerUrl: wallet.url,
  });
  // The payment API's caller, too, knows only the wallet's URL.
  callerTokens = new TokenProvider({
    oauth: { issuer: wallet.url },
    credentials: await createM2MClient(sdk(auth), [PAYMENT_API_SCOPE], 'checkout-service'),
  });
});

afterAll(async () => {
  await closeAll(callerTokens, payment, wallet, auth);
  tmp.remove();
});

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

const tokenStatus = (credentials: M2MCredentials) => walletTokenStatus(wallet.url, credentials);

it("a rotation through the wallet's tenant API during 6 s of 20 payments/s: zero failed payments, the old secret refused after", async () => {
  expect((await pay()).ok).toBe(true);
  const before = (await wallet.wallets.findByCustomer(JOHN.customerId))!.balance;
  const tokenRequestsBefore = payment.tokenProvider.stats().tokenRequests;
  const steps: { step: string; status: number; at: number }[] = [];
  let next: M2MCredentials | undefined;

  const rotate = async () => {
    const rotation = (step: string) => at(wallet.url, `/tenant/m2m/clients/${paymentClient.clientId}/secrets/rotate/${step}`);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const started = await post(rotation('start'), {}, { Authorization: bearer(await walletToken(wallet.url, owner)) });
    steps.push({ step: 'start', status: started.status, at: Date.now() });
    next = { ...paymentClient, clientSecret: started.body.m2m_client.next_client_secret as string };
    // The service takes the next secret (both work until complete): tokens keep coming, now with it.
    payment.tokenProvider.setCredentials(next);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const completed = await post(rotation('complete'), {}, { Authorization: bearer(await walletToken(wallet.url, owner)) });
    steps.push({ step: 'complete', status: completed.status, at: Date.now() });
  };
  const [payments] = await Promise.all([runLoad({ ratePerSecond: 20, durationMs: 6_000 }, () => pay()), rotate()]);

  expect(steps.map((s) => [s.step, s.status])).toEqual([
    ['start', 200],
    ['complete', 200],
  ]);
  const paidAt = payments.filter((p) => p.ok).map((p) => p.value!);
  expect(paidAt.some((t) => t < steps[0]!.at)).toBe(true);
  expect(paidAt.some((t) => t > steps[1]!.at)).toBe(true);
  expect(failureSummary(payments)).toEqual({});
  expect(payments).toHaveLength(120);
  expect((await wallet.wallets.findByCustomer(JOHN.customerId))!.balance).toBe(before - payments.length);
  // Tokens were fetched throughout (two scope sets, 4 s tokens, 6 s), all at the wallet's token endpoint.
  expect(payment.tokenProvider.stats().tokenRequests - tokenRequestsBefore).toBeGreaterThanOrEqual(3);
  // A refresh ahead may still be in flight: the provider counts it when sent, the wallet logs it when answered.
  const sent = payment.tokenProvider.stats().tokenRequests;
  const atWallet = () => walletLogs.linesContaining('/oauth2/token').filter((line) => line.includes(paymentClient.clientId));
  await eventually(() => expect(atWallet().length).toBeGreaterThanOrEqual(sent), { timeoutMs: 5_000 });

  expect([await tokenStatus(paymentClient), await tokenStatus(next!)]).toEqual([401, 200]);
  expect(
    leakedSecrets(walletLogs.text(), { old: paymentClient.clientSecret, next: next!.clientSecret, owner: owner.clientSecret }),
  ).toEqual([]);
}, 40_000);
