import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../test/support/tempDir';
import request from 'supertest';
import type { RunningAuthServer } from '@m2m/auth-server';
import type * as stytch from 'stytch';
import { startWalletServer, type RunningWalletServer } from '../src/server';
import { accessToken, createM2MClient, projectOf, sdk, startAuth, type M2MCredentials } from '../../test/support/stack';

const JOHN = { customerId: '67uhjio098uhgt6l', walletId: 'oipk9ifgl7yto9w' };
const JANE = { customerId: 'plu8iio0t3uhh06h', walletId: 'ui099jlolrrao6g' };

describe('wallet-server', () => {
  let auth: RunningAuthServer;
  let admin: stytch.Client;
  let dir: string;
  let wallet: RunningWalletServer;
  let base: string;
  let payment: M2MCredentials;
  let paymentToken: string;
  let readToken: string;
  let otherPaymentToken: string;

  beforeAll(async () => {
    auth = await startAuth();
    admin = sdk(auth);
    dir = tempDir('wallet-server').dir;
    wallet = await startWalletServer({ port: 0, databaseFile: path.join(dir, 'wallet.db'), stytchProject: projectOf(auth) });
    base = wallet.url.replace(/\/$/, '');
    payment = await createM2MClient(admin, ['read:users', 'write:wallets']);
    paymentToken = await accessToken(admin, payment);
    readToken = await accessToken(admin, await createM2MClient(admin, ['read:users']));
    otherPaymentToken = await accessToken(admin, await createM2MClient(admin, ['write:wallets']));
  });
  afterAll(async () => {
    await wallet.close();
    await auth.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const checkBalance = (customerId: string, token = paymentToken) =>
    request(base).post('/api/check-balance').set('Authorization', `Bearer ${token}`).send({ customerId });
  const debit = (body: object, key: string | undefined, token = paymentToken) => {
    const req = request(base).post('/api/debit').set('Authorization', `Bearer ${token}`);
    return (key === undefined ? req : req.set('Idempotency-Key', key)).send(body);
  };
  const balanceOf = async (customerId: string) => (await wallet.wallets.findByCustomer(customerId))?.balance;

  describe('POST /api/check-balance', () => {
    it("answers the tutorial's shape for a seeded customer", async () => {
      const res = await checkBalance(JOHN.customerId).expect(200);
      expect(res.body).toEqual({ customerName: 'john_doe', walletId: JOHN.walletId, walletBalance: 1790 });
      expect((await checkBalance(JANE.customerId).expect(200)).body).toEqual({
        customerName: 'jane_doe',
        walletId: JANE.walletId,
        walletBalance: 970,
      });
    });

    it('answers 404 for an unknown customer, with the request id', async () => {
      const res = await checkBalance('nobody').set('X-Request-Id', 'req-123').expect(404);
      expect(res.body).toEqual({ error: { code: 'customer_not_found', message: 'No wallet for customer nobody', request_id: 'req-123' } });
    });

    it('answers 400 naming the field for a bad body, and for broken JSON', async () => {
      const res = await request(base)
        .post('/api/check-balance')
        .set('Authorization', `Bearer ${paymentToken}`)
        .send({ customerId: 42 })
        .expect(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(/^customerId: /);
      const broken = await request(base)
        .post('/api/check-balance')
        .set('Authorization', `Bearer ${paymentToken}`)
        .set('Content-Type', 'application/json')
        .send('{"customerId":')
        .expect(400);
      expect(broken.body.error.code).toBe('invalid_json');
    });

    it('answers 401 pointing at the protected resource metadata when there is no token', async () => {
      const res = await request(base).post('/api/check-balance').send({ customerId: JOHN.customerId }).expect(401);
      expect(res.headers['www-authenticate']).toBe(
        `Bearer realm="wallet-server", resource_metadata="${base}/.well-known/oauth-protected-resource"`,
      );
      expect(res.body.error.code).toBe('missing_token');
      expect(res.body.error.request_id).toEqual(expect.any(String));
      // The token is checked before the body is parsed.
      await request(base).post('/api/check-balance').set('Content-Type', 'application/json').send('{"broken').expect(401);
    });
  });

  describe('POST /api/debit', () => {
    it('needs write:wallets', async () => {
      const res = await debit({ customerId: JOHN.customerId, amount: 1, destinationWalletId: JANE.walletId }, 'k-scope', readToken).expect(
        403,
      );
      expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
      expect(res.headers['www-authenticate']).toContain('scope="write:wallets"');
      expect(await balanceOf(JOHN.customerId)).toBe(1790);
    });

    it('debits the customer and credits a destination wallet of ours, in one transaction', async () => {
      const res = await debit({ customerId: JOHN.customerId, amount: 769, destinationWalletId: JANE.walletId }, 'k-first').expect(200);
      expect(res.body).toEqual({ transactionId: expect.stringMatching(/^[0-9a-f-]{36}$/), walletBalance: 1021 });
      expect(await balanceOf(JOHN.customerId)).toBe(1021);
      expect(await balanceOf(JANE.customerId)).toBe(1739);
      expect(await wallet.wallets.ledgerSum(JOHN.walletId)).toBe(1021);
      expect(await wallet.wallets.ledgerSum(JANE.walletId)).toBe(1739);
      expect((await checkBalance(JOHN.customerId).expect(200)).body.walletBalance).toBe(1021);
    });

    it('refuses a destination it does not hold with 404 destination_not_found, and moves nothing', async () => {
      const before = [await balanceOf(JOHN.customerId), await balanceOf(JANE.customerId)];
      const res = await debit({ customerId: JANE.customerId, amount: 39, destinationWalletId: 'external-payee-1' }, 'k-external').expect(
        404,
      );
      expect(res.body.error.code).toBe('destination_not_found');
      expect([await balanceOf(JOHN.customerId), await balanceOf(JANE.customerId)]).toEqual(before);
      expect(await wallet.wallets.ledgerSum(JANE.walletId)).toBe(before[1]);
      // Nothing was recorded under the key: the same key with a destination we hold is a fresh debit.
      await debit({ customerId: JANE.customerId, amount: 39, destinationWalletId: JOHN.walletId }, 'k-external').expect(200);
      await debit({ customerId: JOHN.customerId, amount: 39, destinationWalletId: JANE.walletId }, 'k-external-back').expect(200);
    });

    it('replays the first answer for a repeated Idempotency-Key, and debits once', async () => {
      const body = { customerId: JOHN.customerId, amount: 21, destinationWalletId: JANE.walletId };
      const first = await debit(body, 'k-replay').expect(200);
      const balance = await balanceOf(JOHN.customerId);
      const again = await debit(
        { destinationWalletId: body.destinationWalletId, amount: 21, customerId: body.customerId },
        'k-replay',
      ).expect(200);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(await balanceOf(JOHN.customerId)).toBe(balance);
    });

    it('debits once when the same key arrives many times at once', async () => {
      const balance = (await balanceOf(JOHN.customerId))!;
      const body = { customerId: JOHN.customerId, amount: 3, destinationWalletId: JANE.walletId };
      const answers = await Promise.all(Array.from({ length: 10 }, () => debit(body, 'k-burst')));
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
      expect(new Set(answers.map((a) => a.body.transactionId)).size).toBe(1);
      expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
      expect(await balanceOf(JOHN.customerId)).toBe(balance - 3);
    });

    it('answers 422 when a key is reused for a different debit, and changes nothing', async () => {
      await debit({ customerId: JOHN.customerId, amount: 5, destinationWalletId: JANE.walletId }, 'k-reused').expect(200);
      const balance = await balanceOf(JOHN.customerId);
      const res = await debit({ customerId: JOHN.customerId, amount: 6, destinationWalletId: JANE.walletId }, 'k-reused').expect(422);
      expect(res.body.error.code).toBe('idempotency_key_reused');
      expect(await balanceOf(JOHN.customerId)).toBe(balance);
    });

    it('scopes idempotency keys to the calling client', async () => {
      const body = { customerId: JOHN.customerId, amount: 1, destinationWalletId: JANE.walletId };
      const mine = await debit(body, 'k-shared').expect(200);
      const theirs = await debit(body, 'k-shared', otherPaymentToken).expect(200);
      expect(theirs.body.transactionId).not.toBe(mine.body.transactionId);
      expect(theirs.body.walletBalance).toBe(mine.body.walletBalance - 1);
    });

    it('answers 409 insufficient_funds and changes nothing', async () => {
      const balance = (await balanceOf(JOHN.customerId))!;
      const janeBalance = await balanceOf(JANE.customerId);
      const res = await debit(
        { customerId: JOHN.customerId, amount: balance + 1, destinationWalletId: JANE.walletId },
        'k-too-much',
      ).expect(409);
      expect(res.body.error.code).toBe('insufficient_funds');
      // The balance is not the caller's business: no digit of it (nor any other) in the answer.
      expect(res.body.error.message).toMatch(/^Insufficient funds/);
      expect(res.body.error.message).not.toMatch(/\d/);
      expect(await balanceOf(JOHN.customerId)).toBe(balance);
      expect(await balanceOf(JANE.customerId)).toBe(janeBalance);
      expect(await wallet.wallets.ledgerSum(JOHN.walletId)).toBe(balance);
    });

    it('requires a well-formed Idempotency-Key header', async () => {
      const body = { customerId: JOHN.customerId, amount: 1, destinationWalletId: JANE.walletId };
      const missing = await debit(body, undefined).expect(400);
      expect(missing.body.error.message).toContain('Idempotency-Key header is required');
      const bad = await debit(body, 'has spaces in it').expect(400);
      expect(bad.body.error.message).toMatch(/^Idempotency-Key: /);
    });

    it.each([
      ['a fractional amount', { amount: 1.5 }],
      ['a zero amount', { amount: 0 }],
      ['a negative amount', { amount: -10 }],
      ['an amount as a string', { amount: '10' }],
      ['an unknown field', { currency: 'USD' }],
    ])('answers 400 to %s', async (_name, change) => {
      const balance = await balanceOf(JOHN.customerId);
      const res = await debit(
        { customerId: JOHN.customerId, amount: 1, destinationWalletId: JANE.walletId, ...change },
        `k-bad-${_name}`,
      ).expect(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(await balanceOf(JOHN.customerId)).toBe(balance);
    });

    it("answers 404 for an unknown customer and 400 for a debit to the customer's own wallet", async () => {
      await debit({ customerId: 'nobody', amount: 1, destinationWalletId: JANE.walletId }, 'k-nobody').expect(404);
      const own = await debit({ customerId: JOHN.customerId, amount: 1, destinationWalletId: JOHN.walletId }, 'k-own').expect(400);
      expect(own.body.error.message).toContain('destinationWalletId');
    });
  });

  describe('other routes', () => {
    it('answers 405 with Allow and a hint for a wrong method', async () => {
      const res = await request(base).get('/api/debit').expect(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.body.error.code).toBe('method_not_allowed');
      expect(res.body.error.message).toContain('Idempotency-Key');
      expect((await request(base).post('/healthz').expect(405)).headers.allow).toBe('GET, HEAD');
    });

    it('answers JSON 404 for an unknown route', async () => {
      const res = await request(base).get('/nope').expect(404).expect('Content-Type', /json/);
      expect(res.body.error.code).toBe('not_found');
    });

    it('is healthy and ready (database open, signing keys reachable)', async () => {
      expect((await request(base).get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
      expect((await request(base).get('/readyz').expect(200)).body).toEqual({
        status: 'ready',
        checks: { database: 'ok', signing_keys: 'ok' },
      });
    });

    it('publishes RFC 9728 protected resource metadata, naming the wallet itself as the authorization server', async () => {
      const res = await request(base).get('/.well-known/oauth-protected-resource').expect(200);
      expect(res.body).toEqual({
        resource: base,
        // Its RFC 8414 metadata and token endpoint stand in front of the Stytch project (src/oauth/).
        authorization_servers: [base],
        scopes_supported: ['read:users', 'write:wallets', 'manage:credentials'],
        bearer_methods_supported: ['header'],
        resource_name: 'wallet-server',
      });
    });
  });

  describe('the Host header is never reflected', () => {
    it('metadata and challenges name the start-up URL whatever Host the caller sends', async () => {
      const metadata = await request(base).get('/.well-known/oauth-protected-resource').set('Host', 'evil.example').expect(200);
      expect(metadata.body.resource).toBe(base);
      const challenge = await request(base)
        .post('/api/check-balance')
        .set('Host', 'evil.example')
        .set('X-Forwarded-Host', 'evil.example')
        .send({ customerId: JOHN.customerId })
        .expect(401);
      expect(challenge.headers['www-authenticate']).toBe(
        `Bearer realm="wallet-server", resource_metadata="${base}/.well-known/oauth-protected-resource"`,
      );
    });

    it('a configured public URL wins, also behind a trusted proxy that forwards another host and scheme', async () => {
      const configured = await startWalletServer({
        port: 0,
        stytchProject: projectOf(auth),
        publicUrl: 'https://wallet.example.com/',
        trustProxy: ['loopback'],
      });
      try {
        const url = configured.url.replace(/\/$/, '');
        const metadata = await request(url)
          .get('/.well-known/oauth-protected-resource')
          .set('X-Forwarded-Host', 'evil.example')
          .set('X-Forwarded-Proto', 'http')
          .expect(200);
        expect(metadata.body.resource).toBe('https://wallet.example.com');
        const challenge = await request(url).post('/api/check-balance').set('Host', 'evil.example').send({}).expect(401);
        expect(challenge.headers['www-authenticate']).toContain(
          'resource_metadata="https://wallet.example.com/.well-known/oauth-protected-resource"',
        );
      } finally {
        await configured.close();
      }
    });
  });

  describe('concurrency', () => {
    it('never overdraws a wallet under 50 parallel debits, and its ledger sums to its balance', async () => {
      const concurrentDir = tempDir('wallet-concurrent').dir;
      const server = await startWalletServer({
        port: 0,
        databaseFile: path.join(concurrentDir, 'wallet.db'),
        stytchProject: projectOf(auth),
        seed: [
          { customerId: 'c-1', customerName: 'busy', walletId: 'w-1', balance: 1000 },
          { customerId: 'c-2', customerName: 'payee', walletId: 'w-2', balance: 0 },
        ],
      });
      try {
        const url = server.url.replace(/\/$/, '');
        const statuses = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            fetch(`${url}/api/debit`, {
              method: 'POST',
              headers: { authorization: `Bearer ${paymentToken}`, 'content-type': 'application/json', 'idempotency-key': `parallel-${i}` },
              body: JSON.stringify({ customerId: 'c-1', amount: 30, destinationWalletId: 'w-2' }),
            }).then((res) => res.status),
          ),
        );
        // 1000 / 30: exactly 33 debits fit.
        expect(statuses.filter((s) => s === 200)).toHaveLength(33);
        expect(statuses.filter((s) => s === 409)).toHaveLength(17);
        expect((await server.wallets.findByCustomer('c-1'))?.balance).toBe(10);
        expect(await server.wallets.ledgerSum('w-1')).toBe(10);
        expect(await server.wallets.ledgerSum('w-2')).toBe(990);
      } finally {
        await server.close();
        fs.rmSync(concurrentDir, { recursive: true, force: true });
      }
    });
  });

  describe('persistence', () => {
    it('keeps balances across a restart and seeds only the first time', async () => {
      const persistDir = tempDir('wallet-persist').dir;
      const file = path.join(persistDir, 'wallet.db');
      try {
        const first = await startWalletServer({ port: 0, databaseFile: file, stytchProject: projectOf(auth) });
        await request(first.url.replace(/\/$/, ''))
          .post('/api/debit')
          .set('Authorization', `Bearer ${paymentToken}`)
          .set('Idempotency-Key', 'persist-1')
          .send({ customerId: JOHN.customerId, amount: 90, destinationWalletId: JANE.walletId })
          .expect(200);
        await first.close();
        const second = await startWalletServer({ port: 0, databaseFile: file, stytchProject: projectOf(auth) });
        try {
          expect((await second.wallets.findByCustomer(JOHN.customerId))?.balance).toBe(1700);
          // The replay still finds the first answer after the restart.
          const replay = await request(second.url.replace(/\/$/, ''))
            .post('/api/debit')
            .set('Authorization', `Bearer ${paymentToken}`)
            .set('Idempotency-Key', 'persist-1')
            .send({ customerId: JOHN.customerId, amount: 90, destinationWalletId: JANE.walletId })
            .expect(200);
          expect(replay.body.walletBalance).toBe(1700);
          expect((await second.wallets.findByCustomer(JOHN.customerId))?.balance).toBe(1700);
        } finally {
          await second.close();
        }
      } finally {
        fs.rmSync(persistDir, { recursive: true, force: true });
      }
    });
  });
});

describe('wallet-server readiness', () => {
  it('is not ready once its database is closed', async () => {
    const auth = await startAuth();
    const wallet = await startWalletServer({ port: 0, stytchProject: projectOf(auth) });
    try {
      const base = wallet.url.replace(/\/$/, '');
      await request(base).get('/readyz').expect(200);
      await wallet.wallets.close();
      const res = await request(base).get('/readyz').expect(503);
      expect(res.body.checks).toEqual({ database: 'unavailable', signing_keys: 'ok' });
    } finally {
      await wallet.close();
      await auth.close();
    }
  });

  it('is alive but not ready while the signing keys are unreachable (auth-server down, nothing cached)', async () => {
    const auth = await startAuth();
    const project = projectOf(auth);
    await auth.close();
    const wallet = await startWalletServer({ port: 0, stytchProject: project });
    try {
      const base = wallet.url.replace(/\/$/, '');
      await request(base).get('/healthz').expect(200);
      const res = await request(base).get('/readyz').expect(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toEqual({ status: 'not_ready', checks: { database: 'ok', signing_keys: 'unreachable' } });
    } finally {
      await wallet.close();
    }
  });
});
