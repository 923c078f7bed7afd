import { setTimeout as delay } from 'node:timers/promises';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { StytchProject } from '@m2m/shared';
import { startCountingProxy, type CountingProxy } from '../../test/support/countingProxy';
import {
  balanceOf,
  bearerHeader,
  createCaller,
  createClient,
  JOHN,
  pay,
  postPayment,
  startAuthBehindProxy,
  startPayment,
  startWallet,
  type TestClient,
} from './support/stack';

// The token cache seen from outside: payments through the real stack, token requests counted at a
// proxy in front of the auth-server, wallet answers counted at a proxy in front of the wallet.
describe('payments and the token cache', () => {
  let auth: RunningAuthServer;
  let authProxy: CountingProxy;
  let project: StytchProject;
  let client: TestClient;
  let callerToken: string;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    ({ auth, proxy: authProxy, project } = await startAuthBehindProxy());
    client = await createClient(auth);
    callerToken = (await createCaller(auth)).token;
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    authProxy.reset();
  });
  afterAll(async () => {
    await authProxy.close();
    await auth.close();
  });

  const stack = async (walletOptions: Parameters<typeof startWallet>[1] = {}) => {
    const wallet = await startWallet(auth, { stytchProject: project, ...walletOptions });
    closers.push(() => wallet.close());
    const walletProxy = await startCountingProxy(wallet.url);
    closers.push(() => walletProxy.close());
    const payment = await startPayment({
      stytchProject: project,
      walletServerUrl: walletProxy.url,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
    });
    closers.push(() => payment.close());
    return { wallet, walletProxy, payment };
  };

  it('makes exactly one token request per scope set for 100 concurrent payments on a cold cache', async () => {
    const { wallet, payment } = await stack();
    const before = balanceOf(wallet, JOHN.customerId);

    const results = await Promise.all(
      Array.from({ length: 100 }, () => postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(callerToken))),
    );

    expect(results.map((r) => r.status)).toEqual(Array(100).fill(200));
    // Each token carries only the scope its call needs: two scope sets, one request each.
    expect(authProxy.tokenRequests()).toEqual({ 'read:users': 1, 'write:wallets': 1 });
    expect(new Set(results.map((r) => r.body.transactionId)).size).toBe(100);
    expect(balanceOf(wallet, JOHN.customerId)).toBe(before - 100);
  });

  it('on a 401 invalid_token from the wallet, drops the token, gets a new one and retries once', async () => {
    // A real reason for a wallet to refuse a valid token: it accepts only tokens issued in the last
    // 2 seconds (authorizeToken's maxTokenAgeSeconds), while the payment-server caches them for an hour.
    const { wallet, walletProxy, payment } = await stack({ authorize: { maxTokenAgeSeconds: 2 } });
    expect((await postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(callerToken))).status).toBe(200);
    await delay(2_100);
    const before = balanceOf(wallet, JOHN.customerId);

    // Several payments at once hit the stale tokens together: still one new token per scope set.
    const results = await Promise.all(
      Array.from({ length: 5 }, () => postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(callerToken))),
    );

    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(balanceOf(wallet, JOHN.customerId)).toBe(before - 5);
    expect(authProxy.tokenRequests()).toEqual({ 'read:users': 2, 'write:wallets': 2 });
    // The wallet did refuse the old tokens (once per call that carried one), and then accepted the new ones.
    expect(walletProxy.answers()['POST /api/check-balance 401']).toBeGreaterThanOrEqual(1);
    expect(walletProxy.answers()['POST /api/debit 200']).toBe(6);
  });

  it('retries only once: a wallet that refuses every token gives 502, with nothing debited', async () => {
    // maxTokenAgeSeconds 0: no token is ever fresh enough.
    const { wallet, walletProxy, payment } = await stack({ authorize: { maxTokenAgeSeconds: 0 } });
    const before = balanceOf(wallet, JOHN.customerId);

    const res = await postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(callerToken));

    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('wallet_rejected_token');
    expect(walletProxy.answers()).toEqual({ 'POST /api/check-balance 401': 2 });
    expect(authProxy.tokenRequests()).toEqual({ 'read:users': 2 });
    expect(balanceOf(wallet, JOHN.customerId)).toBe(before);
  });
});
