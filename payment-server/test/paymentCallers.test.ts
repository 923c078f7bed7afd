import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { paymentRateLimit } from '../src/payments/paymentRateLimit';
import type { RunningPaymentServer } from '../src/server';
import {
  balanceOf,
  bearerHeader,
  createCaller,
  createClient,
  JANE,
  JOHN,
  pay,
  postPayment,
  projectOf,
  sdk,
  startAuth,
  startPayment,
  startWallet,
  tempDir,
  type TestClient,
  credentialsFileIn,
} from './support/stack';

type Caller = TestClient & { token: string };

// Who may pay: POST /initiate-payment is an M2M resource (write:payments), and its idempotency keys
// and rate limit belong to each caller. Real auth-server, wallet-server, SDK and HTTP.
describe('POST /initiate-payment: the callers', () => {
  const dir = tempDir('payment-server').dir;
  let auth: RunningAuthServer;
  let wallet: RunningWalletServer;
  let payment: RunningPaymentServer;
  let paymentClient: TestClient;
  let checkout: Caller;
  let billing: Caller;
  const balances = () => [balanceOf(wallet, JOHN.customerId), balanceOf(wallet, JANE.customerId)];

  beforeAll(async () => {
    auth = await startAuth();
    wallet = await startWallet(auth);
    paymentClient = await createClient(auth);
    payment = await startPayment({
      credentialsFile: credentialsFileIn(dir),
      stytchProject: projectOf(auth),
      walletServerUrl: wallet.url,
      clientId: paymentClient.clientId,
      clientSecret: paymentClient.clientSecret,
    });
    checkout = await createCaller(auth, 'checkout-service');
    billing = await createCaller(auth, 'billing-service');
  });
  afterAll(async () => {
    await payment.close();
    await wallet.close();
    await auth.close();
  });

  it('answers an anonymous caller 401 with a Bearer challenge, and moves nothing', async () => {
    const before = balances();
    const res = await postPayment(payment.url, pay());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="payment-server"');
    expect(res.body.error).toMatchObject({ code: 'missing_token', message: expect.stringContaining('write:payments') });
    expect(balances()).toEqual(before);
  });

  it('checks the token before the body: an anonymous caller with broken JSON gets 401 too', async () => {
    const res = await postPayment(payment.url, '{"customerId": ');
    expect(res.status).toBe(401);
  });

  it('answers a token that does not verify with 401 invalid_token', async () => {
    const forged = `${checkout.token.slice(0, -4)}AAAA`;
    const res = await postPayment(payment.url, pay(), bearerHeader(forged));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(res.body.error.code).toBe('invalid_token');
  });

  it('answers 400 invalid_request to a malformed Authorization header', async () => {
    const res = await postPayment(payment.url, pay(), { authorization: 'Bearer two tokens' });
    expect(res.status).toBe(400);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_request"');
  });

  it('answers 403 insufficient_scope naming write:payments to a valid token without it (the wallet scopes are not enough)', async () => {
    const before = balances();
    const { access_token } = await sdk(auth).m2m.token({ client_id: paymentClient.clientId, client_secret: paymentClient.clientSecret });
    const res = await postPayment(payment.url, pay(), bearerHeader(access_token));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="payment-server", error="insufficient_scope", error_description="The token lacks the scope write:payments that this route requires", scope="write:payments"',
    );
    expect(res.body.error.code).toBe('insufficient_scope');
    expect(balances()).toEqual(before);
  });

  it('pays for a caller made the Stytch way: a write:payments client, a token from the token endpoint, Bearer', async () => {
    const before = balances();
    // The raw OAuth 2.0 client-credentials request, as any HTTP client (or curl) sends it.
    const tokenAnswer = await fetch(new URL(`v1/public/${auth.projectId}/oauth2/token`, auth.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: checkout.clientId,
        client_secret: checkout.clientSecret,
        scope: 'write:payments',
      }),
    });
    expect(tokenAnswer.status).toBe(200);
    const { access_token } = (await tokenAnswer.json()) as { access_token: string };

    const res = await postPayment(payment.url, pay({ debitAmount: 7 }), bearerHeader(access_token));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      customerId: JOHN.customerId,
      destinationWalletId: JANE.walletId,
      debitAmount: 7,
      walletBalance: before[0]! - 7,
    });
    expect(balances()).toEqual([before[0]! - 7, before[1]! + 7]);
  });

  it('keeps idempotency keys per caller: the same key from two callers is two payments, each replayed to its own caller', async () => {
    const before = balances();
    const key = { 'Idempotency-Key': 'order-2001' };
    const mine = await postPayment(payment.url, pay({ debitAmount: 11 }), { ...bearerHeader(checkout.token), ...key });
    const theirs = await postPayment(payment.url, pay({ debitAmount: 11 }), { ...bearerHeader(billing.token), ...key });
    expect([mine.status, theirs.status]).toEqual([200, 200]);
    expect(theirs.body.transactionId).not.toBe(mine.body.transactionId);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(balances()).toEqual([before[0]! - 22, before[1]! + 22]);
    // Each caller is answered with its own key.
    expect([mine.body.idempotencyKey, theirs.body.idempotencyKey]).toEqual(['order-2001', 'order-2001']);
    expect(mine.headers.get('idempotency-key')).toBe('order-2001');

    const myRetry = await postPayment(payment.url, pay({ debitAmount: 11 }), { ...bearerHeader(checkout.token), ...key });
    const theirRetry = await postPayment(payment.url, pay({ debitAmount: 11 }), { ...bearerHeader(billing.token), ...key });
    expect(myRetry.status).toBe(200);
    expect(myRetry.body).toEqual(mine.body);
    expect(myRetry.headers.get('idempotent-replayed')).toBe('true');
    expect(theirRetry.body).toEqual(theirs.body);
    expect(theirRetry.headers.get('idempotent-replayed')).toBe('true');
    expect(balances()).toEqual([before[0]! - 22, before[1]! + 22]);
  });

  it("can't be blocked by a stranger claiming a key first: another caller's use of it does not make the real payment a 422", async () => {
    const key = { 'Idempotency-Key': 'order-2002' };
    const squatter = await postPayment(payment.url, pay({ debitAmount: 1 }), { ...bearerHeader(billing.token), ...key });
    expect(squatter.status).toBe(200);
    const real = await postPayment(payment.url, pay({ debitAmount: 40 }), { ...bearerHeader(checkout.token), ...key });
    expect(real.status).toBe(200);
    expect(real.body.debitAmount).toBe(40);
    // The same caller reusing its own key for another payment is still refused.
    const reused = await postPayment(payment.url, pay({ debitAmount: 41 }), { ...bearerHeader(checkout.token), ...key });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
  });

  it("refuses paying the customer's own wallet, and moves nothing", async () => {
    const before = balances();
    const res = await postPayment(payment.url, pay({ destinationWalletId: JOHN.walletId }), bearerHeader(checkout.token));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/destinationWalletId/);
    expect(balances()).toEqual(before);
  });

  it('refuses an unknown destination with 404 destination_not_found, and moves nothing', async () => {
    const before = balances();
    const res = await postPayment(payment.url, pay({ destinationWalletId: 'IBAN-DE00-ATTACKER' }), bearerHeader(checkout.token));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('destination_not_found');
    expect(balances()).toEqual(before);
    expect(wallet.wallets.ledgerSum(JOHN.walletId)).toBe(before[0]);
  });
});

describe('POST /initiate-payment: the per-caller rate limit', () => {
  const dir = tempDir('payment-server').dir;
  let auth: RunningAuthServer;
  let wallet: RunningWalletServer;
  let payment: RunningPaymentServer;

  beforeAll(async () => {
    auth = await startAuth();
    wallet = await startWallet(auth);
    const own = await createClient(auth);
    payment = await startPayment({
      credentialsFile: credentialsFileIn(dir),
      stytchProject: projectOf(auth),
      walletServerUrl: wallet.url,
      clientId: own.clientId,
      clientSecret: own.clientSecret,
      paymentsPerMinute: 3,
    });
  });
  afterAll(async () => {
    await payment.close();
    await wallet.close();
    await auth.close();
  });

  it('answers 429 + Retry-After once a caller made its payments of the minute, without moving money; other callers are not slowed', async () => {
    const greedy = await createCaller(auth, 'greedy-service');
    const other = await createCaller(auth, 'other-service');
    const before = balanceOf(wallet, JOHN.customerId);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(greedy.token))).status);
    // A refused attempt counts too (probing is not free).
    statuses.push((await postPayment(payment.url, pay({ destinationWalletId: 'nowhere' }), bearerHeader(greedy.token))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);

    const limited = await postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(greedy.token));
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(balanceOf(wallet, JOHN.customerId)).toBe(before - 3);

    expect((await postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(other.token))).status).toBe(200);
    // Anonymous requests are refused before the limit (they have no client_id to count against).
    expect((await postPayment(payment.url, pay())).status).toBe(401);
  });

  it('refuses a limit that is not a positive integer at construction', () => {
    expect(() => paymentRateLimit(0)).toThrow(TypeError);
    expect(() => paymentRateLimit(1.5)).toThrow(/paymentsPerMinute/);
  });
});
