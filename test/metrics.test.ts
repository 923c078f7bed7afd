/**
 * Prometheus metrics on every server, scraped after real traffic: a real auth-server, wallet-server
 * and payment-server on ephemeral ports, the real SDK, real HTTP. Each test scrapes before and
 * after what it does and asserts what moved, so the order of the tests does not matter.
 */
import path from 'node:path';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningPaymentServer } from '@m2m/payment-server';
import { PAYMENT_API_SCOPE } from '@m2m/shared';
import type { RunningWalletServer } from '@m2m/wallet-server';
import type * as stytch from 'stytch';
import { at, bearer, get, post, request } from './support/http';
import { METRICS_TOKEN, scrape, type Scrape } from './support/metrics';
import {
  accessToken,
  ADMIN_API_KEY,
  closeAll,
  createM2MClient,
  JANE,
  JOHN,
  projectOf,
  sdk,
  startAuth,
  startPayment,
  startWallet,
  tempDir,
  type M2MCredentials,
} from './support/stack';

const payment = (debitAmount: number) => ({ customerId: JOHN.customerId, debitAmount, destinationWalletId: JANE.walletId });

describe('GET /metrics on every server, after real traffic', () => {
  const data = tempDir('metrics');
  let auth: RunningAuthServer;
  let wallet: RunningWalletServer;
  let pay: RunningPaymentServer;
  let admin: stytch.Client;
  let caller: M2MCredentials;
  let callerToken: string;

  beforeAll(async () => {
    auth = await startAuth({ metricsToken: METRICS_TOKEN });
    wallet = await startWallet(auth, { metricsToken: METRICS_TOKEN });
    pay = await startPayment({
      stytchProject: projectOf(auth),
      walletServerUrl: wallet.url,
      credentialsFile: path.join(data.dir, 'payment-credentials.json'),
      metricsToken: METRICS_TOKEN,
    });
    admin = sdk(auth);
    caller = await createM2MClient(admin, [PAYMENT_API_SCOPE], 'metrics-caller');
    callerToken = await accessToken(admin, caller);
  });
  afterAll(async () => {
    await closeAll(pay, wallet, auth);
    data.remove();
  });

  const servers = () => ({ 'auth-server': auth.url, 'wallet-server': wallet.url, 'payment-server': pay.url });

  it('counts tokens issued and requests refused by reason at the auth-server', async () => {
    const before = await scrape(auth.url);
    await accessToken(admin, caller);
    await expect(accessToken(admin, { ...caller, clientSecret: 'not-the-secret' })).rejects.toMatchObject({ error_type: 'invalid_client' });
    await expect(accessToken(admin, caller, ['write:wallets'])).rejects.toMatchObject({ error_type: 'invalid_scope' });
    const form = await request('POST', at(auth.url, `/v1/public/${auth.projectId}/oauth2/token`), {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=password&client_id=${caller.clientId}&client_secret=${caller.clientSecret}`,
    });
    expect(form.status).toBe(400);

    const after = await scrape(auth.url);
    const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);
    expect(delta('m2m_tokens_issued_total')).toBe(1);
    expect(delta('m2m_token_requests_refused_total', { reason: 'invalid_client' })).toBe(1);
    expect(delta('m2m_token_requests_refused_total', { reason: 'invalid_scope' })).toBe(1);
    expect(delta('m2m_token_requests_refused_total', { reason: 'unsupported_grant_type' })).toBe(1);
    const route = `/v1/public/:project_id/oauth2/token`;
    expect(delta('http_request_duration_seconds_count', { method: 'POST', route, status_code: '200' })).toBe(1);
    expect(delta('http_request_duration_seconds_count', { method: 'POST', route, status_code: '401' })).toBe(1);
  });

  it('counts payments by outcome, with the verifications and the cache at the payment-server and the wallet-server', async () => {
    const [payBefore, walletBefore] = await Promise.all([scrape(pay.url), scrape(wallet.url)]);
    const headers = { authorization: bearer(callerToken), 'idempotency-key': `metrics-${Date.now()}` };
    const first = await post(at(pay.url, '/initiate-payment'), payment(5), headers);
    expect(first.status).toBe(200);
    const replay = await post(at(pay.url, '/initiate-payment'), payment(5), headers);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const tooMuch = await post(at(pay.url, '/initiate-payment'), payment(99_999_999), { authorization: bearer(callerToken) });
    expect(tooMuch.status).toBe(409);
    const anonymous = await post(at(pay.url, '/initiate-payment'), payment(5));
    expect(anonymous.status).toBe(401);

    const [payAfter, walletAfter] = await Promise.all([scrape(pay.url), scrape(wallet.url)]);
    const delta =
      (after: Scrape, before: Scrape) =>
      (name: string, labels: Record<string, string> = {}) =>
        after.value(name, labels) - before.value(name, labels);
    const atPayment = delta(payAfter, payBefore);
    expect(atPayment('payments_total', { outcome: 'debited' })).toBe(1);
    expect(atPayment('payments_total', { outcome: 'replayed' })).toBe(1);
    expect(atPayment('payments_total', { outcome: 'insufficient_funds' })).toBe(1);
    // The anonymous one never got past the token check: a refused verification, not a payment.
    expect(atPayment('m2m_token_verifications_total', { outcome: 'accepted' })).toBe(3);
    expect(atPayment('m2m_token_verifications_total', { outcome: 'missing_token' })).toBe(1);
    expect(atPayment('http_request_duration_seconds_count', { method: 'POST', route: '/initiate-payment', status_code: '200' })).toBe(2);
    expect(atPayment('http_request_duration_seconds_count', { method: 'POST', route: '/initiate-payment', status_code: '409' })).toBe(1);

    // The wallet saw three balance checks and three debits, with one read:users and one write:wallets token.
    const atWallet = delta(walletAfter, walletBefore);
    expect(atWallet('m2m_token_verifications_total', { outcome: 'accepted' })).toBe(6);
    expect(atWallet('http_request_duration_seconds_count', { method: 'POST', route: '/api/check-balance', status_code: '200' })).toBe(3);
    expect(atWallet('http_request_duration_seconds_count', { method: 'POST', route: '/api/debit', status_code: '200' })).toBe(2);
    expect(atWallet('http_request_duration_seconds_count', { method: 'POST', route: '/api/debit', status_code: '409' })).toBe(1);
  });

  it('shows a verified-token cache miss, then hits, and the cache size', async () => {
    const token = await accessToken(admin, caller);
    const before = await scrape(pay.url);
    for (let i = 0; i < 3; i++) {
      const res = await post(at(pay.url, '/initiate-payment'), payment(1), { authorization: bearer(token) });
      expect(res.status).toBe(200);
    }
    const after = await scrape(pay.url);
    expect(
      after.value('m2m_verified_token_cache_lookups_total', { result: 'miss' }) -
        before.value('m2m_verified_token_cache_lookups_total', { result: 'miss' }),
    ).toBe(1);
    expect(
      after.value('m2m_verified_token_cache_lookups_total', { result: 'hit' }) -
        before.value('m2m_verified_token_cache_lookups_total', { result: 'hit' }),
    ).toBe(2);
    expect(after.value('m2m_verified_token_cache_entries')).toBe(before.value('m2m_verified_token_cache_entries') + 1);
    expect(after.value('m2m_verified_token_cache_max_entries')).toBe(10_000);
  });

  it("reports the payment-server's TokenProvider: fetches, cache hits, the tokens it holds", async () => {
    // A payment needs a read:users and a write:wallets token: after one, both are held.
    const res = await post(at(pay.url, '/initiate-payment'), payment(1), { authorization: bearer(callerToken) });
    expect(res.status).toBe(200);
    const before = await scrape(pay.url);
    expect(before.value('m2m_token_provider_cached_tokens')).toBe(2);
    expect(before.value('m2m_token_provider_fetches_total')).toBeGreaterThanOrEqual(2);
    expect(before.value('m2m_token_provider_fetch_failures_total')).toBe(0);

    const again = await post(at(pay.url, '/initiate-payment'), payment(1), { authorization: bearer(callerToken) });
    expect(again.status).toBe(200);
    const after = await scrape(pay.url);
    expect(after.value('m2m_token_provider_fetches_total')).toBe(before.value('m2m_token_provider_fetches_total'));
    expect(after.value('m2m_token_provider_cache_hits_total') - before.value('m2m_token_provider_cache_hits_total')).toBe(2);
    expect(after.value('m2m_token_provider_refreshes_total')).toBe(0);
  });

  it('labels latency by route template: an admin route with a parameter, an unknown path', async () => {
    const unknownId = 'm2m-client-test-no-such-client-4711';
    const answer = await get(at(pay.url, `/admin/m2m/clients/${unknownId}`), { authorization: bearer(ADMIN_API_KEY) });
    expect(answer.status).toBe(404);
    const lost = await get(at(wallet.url, '/no/such/path-8d3f'));
    expect(lost.status).toBe(404);

    const [payScrape, walletScrape] = await Promise.all([scrape(pay.url), scrape(wallet.url)]);
    // An error answered by the app's error handler still carries its router's mount path (/admin).
    expect(
      payScrape.value('http_request_duration_seconds_count', { method: 'GET', route: '/admin/m2m/clients/:clientId', status_code: '404' }),
    ).toBe(1);
    expect(
      walletScrape.value('http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(payScrape.text).not.toContain(unknownId);
    expect(walletScrape.text).not.toContain('path-8d3f');
  });

  it('carries no token, secret or raw path in any label value, and serves process metrics', async () => {
    const project = auth.projectSecret;
    const secrets = {
      callerToken,
      'client secret': caller.clientSecret,
      'project secret': project,
      'admin key': ADMIN_API_KEY,
      'metrics token': METRICS_TOKEN,
    };
    const templates = new Set([
      'unmatched',
      '/metrics',
      '/initiate-payment',
      '/admin/m2m/clients/:clientId',
      '/api/check-balance',
      '/api/debit',
      '/v1/public/:project_id/oauth2/token',
      '/v1/m2m/clients',
      '/v1/m2m/clients/search',
      '/v1/sessions/jwks/:project_id',
      '/v1/m2m/clients/:client_id',
    ]);
    for (const [name, url] of Object.entries(servers())) {
      const scraped = await scrape(url);
      for (const [what, secret] of Object.entries(secrets)) {
        expect({ server: name, leaks: what, found: scraped.text.includes(secret) }).toEqual({ server: name, leaks: what, found: false });
      }
      expect(scraped.text).not.toContain(caller.clientId);
      for (const route of scraped.labelValues('http_request_duration_seconds_count', 'route')) {
        expect({ server: name, route, template: templates.has(route) }).toEqual({ server: name, route, template: true });
      }
      expect(scraped.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(scraped.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(scraped.samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    }
  });

  it('refuses a scrape without the token, or with a wrong one, on every server', async () => {
    for (const url of Object.values(servers())) {
      const anonymous = await get(at(url, '/metrics'));
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(anonymous.text).not.toContain('m2m_');
      const wrong = await get(at(url, '/metrics'), { authorization: bearer(`${METRICS_TOKEN}x`) });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(wrong.text).not.toContain('http_request_duration_seconds');
      const wrongMethod = await request('POST', at(url, '/metrics'), { headers: { authorization: bearer(METRICS_TOKEN) } });
      expect(wrongMethod.status).toBe(405);
    }
  });
});

describe('GET /metrics with wrong tokens, again and again', () => {
  it('answers 429 with Retry-After after 10 wrong tokens a minute from one address, even to the right one', async () => {
    const auth = await startAuth();
    const wallet = await startWallet(auth, { metricsToken: METRICS_TOKEN });
    try {
      const metricsUrl = at(wallet.url, '/metrics');
      for (let i = 0; i < 10; i++) expect((await get(metricsUrl, { authorization: bearer(`wrong-guess-${i}`) })).status).toBe(401);
      const locked = await get(metricsUrl, { authorization: bearer(METRICS_TOKEN) });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(locked.text).not.toContain('http_request_duration_seconds');
    } finally {
      await closeAll(wallet, auth);
    }
  });
});

describe('GET /metrics on a server given no METRICS_TOKEN', () => {
  it('answers 404 on each of them: metrics stay off the interface callers use', async () => {
    const auth = await startAuth();
    let wallet: RunningWalletServer | undefined;
    let pay: RunningPaymentServer | undefined;
    try {
      wallet = await startWallet(auth);
      pay = await startPayment({ stytchProject: projectOf(auth), walletServerUrl: wallet.url });
      for (const url of [auth.url, wallet.url, pay.url]) {
        const answer = await get(at(url, '/metrics'), { authorization: bearer(METRICS_TOKEN) });
        expect(answer.status).toBe(404);
        expect(answer.text).toContain('METRICS_TOKEN');
        expect(answer.text).not.toContain('http_request_duration_seconds');
      }
    } finally {
      await closeAll(pay, wallet, auth);
    }
  });
});
