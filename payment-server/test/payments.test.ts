import http from 'node:http';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { closeServer, listen } from '@m2m/shared';
import type { RunningPaymentServer } from '../src/server';
import type { CountingProxy } from '../../test/support/countingProxy';
import {
  balanceOf,
  bearerHeader,
  createCaller,
  createClient,
  JANE,
  JOHN,
  LogCapture,
  pay,
  postPayment,
  projectOf,
  request,
  startAuth,
  startAuthBehindProxy,
  startPayment,
  startWallet,
  tempDir,
  type TestClient,
  credentialsFileIn,
} from './support/stack';

// Every outcome of POST /initiate-payment, through the real auth-server, wallet-server and HTTP.
describe('POST /initiate-payment', () => {
  const dir = tempDir('payment-server').dir;
  let auth: RunningAuthServer;
  let wallet: RunningWalletServer;
  let client: TestClient;
  let caller: TestClient & { token: string };
  let payment: RunningPaymentServer;
  const logs = new LogCapture();
  /** Every error body this suite got: none may carry a balance or a peer's address. */
  const errorBodies: unknown[] = [];
  /** A payment by the caller (a write:payments token). */
  const post = async (body: unknown, headers: Record<string, string> = {}, token = caller.token) => {
    const res = await postPayment(payment.url, body, { ...bearerHeader(token), ...headers });
    if (res.status >= 400) errorBodies.push(res.body);
    return res;
  };

  beforeAll(async () => {
    auth = await startAuth();
    wallet = await startWallet(auth);
    client = await createClient(auth);
    caller = await createCaller(auth);
    payment = await startPayment({
      credentialsFile: credentialsFileIn(dir),
      stytchProject: projectOf(auth),
      walletServerUrl: wallet.url,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      logger: logs.logger('payment-server'),
    });
  });
  afterAll(async () => {
    await payment.close();
    await wallet.close();
    await auth.close();
  });

  it('debits the customer and answers the transaction, the new balance and the idempotency key', async () => {
    const before = balanceOf(wallet, JOHN.customerId);
    const res = await post(pay({ debitAmount: 250 }));

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      transactionId: expect.any(String),
      customerId: JOHN.customerId,
      customerName: 'john_doe',
      destinationWalletId: JANE.walletId,
      debitAmount: 250,
      walletBalance: before - 250,
      idempotencyKey: expect.any(String),
    });
    // The key was generated, and is in the header too, for a client that wants to retry.
    expect(res.headers.get('idempotency-key')).toBe(res.body.idempotencyKey);
    expect(balanceOf(wallet, JOHN.customerId)).toBe(before - 250);
  });

  it('never debits twice for a retry with the same Idempotency-Key', async () => {
    const before = balanceOf(wallet, JOHN.customerId);
    const first = await post(pay({ debitAmount: 10 }), { 'Idempotency-Key': 'order-1001' });
    const retry = await post(pay({ debitAmount: 10 }), { 'Idempotency-Key': 'order-1001' });

    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.body.transactionId).toBe(first.body.transactionId);
    expect(retry.body.walletBalance).toBe(before - 10);
    expect(retry.headers.get('idempotency-key')).toBe('order-1001');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(balanceOf(wallet, JOHN.customerId)).toBe(before - 10);
  });

  it('replays the first outcome even after the balance dropped below the amount', async () => {
    const key = `replay-${Date.now()}`;
    const amount = 50;
    const first = await post(pay({ debitAmount: amount }), { 'Idempotency-Key': key });
    // Spend (almost) everything else, so the same payment would no longer fit.
    const rest = balanceOf(wallet, JOHN.customerId) - 1;
    expect((await post(pay({ debitAmount: rest }))).status).toBe(200);

    const retry = await post(pay({ debitAmount: amount }), { 'Idempotency-Key': key });
    expect(retry.status).toBe(200);
    expect(retry.body.transactionId).toBe(first.body.transactionId);
    expect(balanceOf(wallet, JOHN.customerId)).toBe(1);
  });

  it('answers 409 for insufficient funds and debits nothing', async () => {
    const before = balanceOf(wallet, JANE.customerId);
    const res = await post({ customerId: JANE.customerId, debitAmount: before + 1, destinationWalletId: JOHN.walletId });

    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'insufficient_funds',
      message: expect.stringContaining('Nothing was debited'),
      request_id: expect.any(String),
    });
    // "Insufficient funds", and not a digit more: the balance is nobody's business but the wallet's.
    expect(res.body.error.message).toMatch(/^Insufficient funds/);
    expect(res.body.error.message).not.toMatch(/\d/);
    expect(balanceOf(wallet, JANE.customerId)).toBe(before);
  });

  it('refuses a destination the wallet-server does not hold with 404 destination_not_found, and moves nothing', async () => {
    const before = [balanceOf(wallet, JOHN.customerId), balanceOf(wallet, JANE.customerId)];
    const res = await post(pay({ destinationWalletId: 'attacker-account-1' }), { 'Idempotency-Key': 'to-nowhere' });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'destination_not_found', message: expect.stringContaining('Nothing was debited') });
    expect(res.body.error.message).not.toMatch(/\d/);
    expect([balanceOf(wallet, JOHN.customerId), balanceOf(wallet, JANE.customerId)]).toEqual(before);
  });

  it('answers 404 for an unknown customer', async () => {
    const res = await post(pay({ customerId: 'no-such-customer' }));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('customer_not_found');
  });

  it('answers 422 when an Idempotency-Key is reused for another payment', async () => {
    await post({ customerId: JANE.customerId, debitAmount: 1, destinationWalletId: JOHN.walletId }, { 'Idempotency-Key': 'reused-key' });
    const res = await post(
      { customerId: JANE.customerId, debitAmount: 2, destinationWalletId: JOHN.walletId },
      { 'Idempotency-Key': 'reused-key' },
    );
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('idempotency_key_reused');
  });

  it("passes on the wallet's 400 for paying into the customer's own wallet", async () => {
    const res = await post({ customerId: JANE.customerId, debitAmount: 1, destinationWalletId: JANE.walletId });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/destinationWalletId/);
  });

  it.each([
    ['a float amount', pay({ debitAmount: 10.5 }), 'debitAmount'],
    ['a negative amount', pay({ debitAmount: -5 }), 'debitAmount'],
    ['a zero amount', pay({ debitAmount: 0 }), 'debitAmount'],
    ['an amount as a string', { ...pay(), debitAmount: '100' }, 'debitAmount'],
    ['a missing customerId', { debitAmount: 1, destinationWalletId: JANE.walletId }, 'customerId'],
    ['an unknown field', { ...pay(), currency: 'USD' }, 'currency'],
    ['an empty body', {}, 'customerId'],
  ])('answers 400 naming the field for %s', async (_name, body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.message).toContain(field);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await post('{"customerId": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it('answers 400 for a malformed Idempotency-Key', async () => {
    const res = await post(pay(), { 'Idempotency-Key': 'has spaces in it' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_idempotency_key');
  });

  it('answers GET with 405, an Allow header and a hint', async () => {
    const res = await request(payment.url, 'GET', '/initiate-payment');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.body.error.message).toMatch(/POST \/initiate-payment/);
  });

  it('is healthy and ready', async () => {
    expect((await request(payment.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(payment.url, 'GET', '/readyz')).status).toBe(200);
  });

  it('uses a read:users token for the balance check and a write:wallets token for the debit, from the cache', async () => {
    const { tokenRequests } = payment.tokenProvider.stats();
    const res = await post(pay({ debitAmount: 1, customerId: JANE.customerId, destinationWalletId: JOHN.walletId }));
    expect(res.status).toBe(200);
    // Both tokens were fetched by earlier payments: a payment with a fresh cache costs the auth server nothing.
    expect(payment.tokenProvider.stats().tokenRequests).toBe(tokenRequests);
    expect(payment.tokenProvider.stats().cachedTokens).toBe(2);
  });

  it('never logs the client secret or a token', () => {
    const text = logs.text();
    expect(text).not.toContain(client.clientSecret);
    expect(text).not.toContain(caller.clientSecret);
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });

  it('answered no error with a balance or a peer address', () => {
    expect(errorBodies.length).toBeGreaterThan(5);
    for (const body of errorBodies) {
      const text = JSON.stringify(body);
      expect(text).not.toMatch(/balance"\s*:/i);
      expect(text).not.toContain(new URL(wallet.url).host);
      expect(text).not.toContain(new URL(auth.url).host);
    }
  });
});

describe('POST /initiate-payment when a dependency fails', () => {
  let auth: RunningAuthServer;
  let client: TestClient;
  let caller: TestClient & { token: string };
  let wallet: RunningWalletServer;
  const stubs: http.Server[] = [];
  const proxies: CountingProxy[] = [];
  const authServers: RunningAuthServer[] = [];
  const servers: RunningPaymentServer[] = [];

  /** A wallet stand-in that answers every request with `handler`. */
  const stubWallet = async (handler: http.RequestListener) => {
    const running = await listen(handler, 0, '127.0.0.1');
    stubs.push(running.server);
    return running.url;
  };
  /**
   * An auth-server reached through a proxy whose token endpoint drops or holds every request; its
   * signing keys (to verify callers) still come through. Its public URL is the proxy's, so its
   * tokens' issuer is what the payment-server expects; and a caller's token in hand.
   */
  const tokenEndpoint = async (mode: 'drop' | 'hang') => {
    const { auth: behind, proxy, project } = await startAuthBehindProxy();
    proxies.push(proxy);
    authServers.push(behind);
    const someone = await createCaller(behind);
    const own = await createClient(behind);
    proxy.setTokenMode(mode);
    return { project, own, token: someone.token };
  };
  const paymentWith = async (options: { walletServerUrl: string; authUrl?: string; secret?: string; walletTimeoutMs?: number }) => {
    const server = await startPayment({
      stytchProject: projectOf(auth, options.authUrl ?? auth.url),
      walletServerUrl: options.walletServerUrl,
      clientId: client.clientId,
      clientSecret: options.secret ?? client.clientSecret,
      tokenProvider: { maxAttempts: 2, retryBaseDelayMs: 10, retryMaxDelayMs: 20, requestTimeoutMs: 300 },
      ...(options.walletTimeoutMs && { walletTimeoutMs: options.walletTimeoutMs }),
    });
    servers.push(server);
    return server;
  };

  const paymentBehind = async ({ project, own }: Awaited<ReturnType<typeof tokenEndpoint>>) => {
    const server = await startPayment({
      stytchProject: project,
      walletServerUrl: wallet.url,
      clientId: own.clientId,
      clientSecret: own.clientSecret,
      tokenProvider: { maxAttempts: 2, retryBaseDelayMs: 10, retryMaxDelayMs: 20, requestTimeoutMs: 300 },
    });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    auth = await startAuth();
    client = await createClient(auth);
    caller = await createCaller(auth);
    wallet = await startWallet(auth);
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const p of proxies) await p.close();
    for (const a of authServers) await a.close();
    for (const s of stubs) {
      s.closeAllConnections();
      await closeServer(s, 100);
    }
    await wallet.close();
    await auth.close();
  });

  it('answers 503 when the wallet-server is unreachable, naming it but not its address', async () => {
    const closed = await stubWallet(() => {});
    stubs.pop()!.close();
    const payment = await paymentWith({ walletServerUrl: closed });
    const res = await postPayment(payment.url, pay(), bearerHeader(caller.token));
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'wallet_unavailable', message: 'The wallet-server is unavailable. Nothing was debited.' });
    expect(JSON.stringify(res.body)).not.toContain(new URL(closed).host);
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('answers 504 when the wallet-server does not answer in time', async () => {
    const hung = await stubWallet(() => {});
    const payment = await paymentWith({ walletServerUrl: hung, walletTimeoutMs: 200 });
    const res = await postPayment(payment.url, pay(), bearerHeader(caller.token));
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('wallet_timeout');
  });

  it('answers 504 telling the caller to retry with the same key when the debit times out', async () => {
    // Balance checks are answered; debits hang, as if the wallet stalled mid-payment.
    const stalling = await stubWallet((req, res) => {
      if (req.url === '/api/check-balance') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ customerName: 'john_doe', walletId: JOHN.walletId, walletBalance: 1790 }));
      }
    });
    const payment = await paymentWith({ walletServerUrl: stalling, walletTimeoutMs: 200 });
    const res = await postPayment(payment.url, pay(), { ...bearerHeader(caller.token), 'Idempotency-Key': 'stalled-1' });
    expect(res.status).toBe(504);
    expect(res.body.error.message).toMatch(/same Idempotency-Key/);
    expect(res.headers.get('idempotency-key')).toBe('stalled-1');
  });

  it('answers 502 when the wallet-server fails', async () => {
    const failing = await stubWallet((_req, res) => res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>oops</h1>'));
    const payment = await paymentWith({ walletServerUrl: failing });
    const res = await postPayment(payment.url, pay(), bearerHeader(caller.token));
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({
      code: 'wallet_error',
      message: 'The wallet-server failed on the check-balance. Nothing was debited.',
    });
  });

  it('answers 502 when the wallet-server answers outside its contract', async () => {
    const odd = await stubWallet((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"balance":"lots"}'));
    const payment = await paymentWith({ walletServerUrl: odd });
    expect((await postPayment(payment.url, pay(), bearerHeader(caller.token))).status).toBe(502);
  });

  it("answers 503 when the auth server's token endpoint is unreachable and no token is cached", async () => {
    const behind = await tokenEndpoint('drop');
    const payment = await paymentBehind(behind);
    const res = await postPayment(payment.url, pay(), bearerHeader(behind.token));
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'auth_server_unavailable', message: expect.stringContaining('Nothing was debited') });
    expect(JSON.stringify(res.body)).not.toContain(new URL(behind.project.baseUrl).host);
  });

  it('answers 504 when the auth server does not answer in time', async () => {
    const behind = await tokenEndpoint('hang');
    const payment = await paymentBehind(behind);
    const res = await postPayment(payment.url, pay(), bearerHeader(behind.token));
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('auth_server_timeout');
  });

  it("answers 503 + Retry-After when the caller's token can't be verified (the auth server's keys are unreachable)", async () => {
    const payment = await paymentWith({ walletServerUrl: wallet.url, authUrl: 'http://127.0.0.1:9/' });
    const res = await postPayment(payment.url, pay(), bearerHeader(caller.token));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('temporarily_unavailable');
    expect(res.headers.get('retry-after')).toEqual(expect.stringMatching(/^\d+$/));
  });

  it("answers 502 when the auth server refuses the payment-server's credentials", async () => {
    const payment = await paymentWith({ walletServerUrl: wallet.url, secret: 'not-the-secret-0123456789' });
    const res = await postPayment(payment.url, pay(), bearerHeader(caller.token));
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('m2m_credentials_rejected');
    expect(JSON.stringify(res.body)).not.toContain('not-the-secret');
  });
});
