import http from 'node:http';
import type { RunningAuthServer } from '@m2m/auth-server';
import { closeServer, createStytchClient, listen, type RunningServer } from '@m2m/shared';
import { TokenProvider } from '../src/m2m/tokenProvider';
import { WalletClient, type WalletClientOptions } from '../src/wallet/walletClient';
import { WalletError } from '../src/wallet/walletErrors';
import { createClient, projectOf, startAuth } from './support/stack';

/**
 * The WalletClient on its own: its options are checked at construction, and a wallet's answers
 * outside the happy path become WalletErrors with messages built in one piece. The wallet here is a
 * stand-in over real HTTP answering what a broken or strict wallet would; tokens come from a real
 * TokenProvider and auth-server. Payments through the real wallet-server are in payments.test.ts.
 */
describe('WalletClient', () => {
  let auth: RunningAuthServer;
  let tokens: TokenProvider;
  const stands: RunningServer[] = [];
  const clients: WalletClient[] = [];

  beforeAll(async () => {
    auth = await startAuth();
    tokens = new TokenProvider({ stytch: createStytchClient(projectOf(auth)), credentials: await createClient(auth) });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const stand of stands.splice(0)) await closeServer(stand.server, 100);
  });
  afterAll(async () => {
    tokens.close();
    await auth.close();
  });

  const walletAt = (baseUrl: string, options: Partial<WalletClientOptions> = {}) => {
    const client = new WalletClient({ baseUrl, tokens, ...options });
    clients.push(client);
    return client;
  };
  /** A wallet stand-in answering every call with `handler`; stopped after each test. */
  const serve = async (handler: (req: http.IncomingMessage, res: http.ServerResponse) => void, host = '127.0.0.1') => {
    const stand = await listen(handler, 0, host);
    stands.push(stand);
    return stand;
  };
  const standInWith = async (handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) => (await serve(handler)).url;
  /** A check-balance answer that keeps to the contract. */
  const answerBalance = (res: http.ServerResponse, walletBalance: number, prefix = '') => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`${prefix}${JSON.stringify({ customerName: 'john_doe', walletId: 'w1', walletBalance })}`);
  };
  /** A wallet stand-in answering every call with `status` and `body` (JSON when an object). */
  const standIn = (status: number, body?: object | string) =>
    standInWith((_req, res) => {
      const json = typeof body === 'object';
      res.writeHead(status, { 'content-type': json ? 'application/json' : 'text/plain' }).end(json ? JSON.stringify(body) : body);
    });
  /** The WalletError a balance check fails with; a check that succeeds fails the test. */
  const failureOf = async (client: WalletClient): Promise<WalletError> => {
    const outcome = await client.checkBalance('67uhjio098uhgt6l').then(
      (answer) => new Error(`expected a failure, got ${JSON.stringify(answer)}`),
      (err: unknown) => err,
    );
    if (!(outcome instanceof WalletError)) throw outcome;
    return outcome;
  };

  describe('options', () => {
    const build = (options: Record<string, unknown>) => () =>
      clients.push(new WalletClient({ baseUrl: 'http://127.0.0.1:4000/', tokens, ...options }));

    it('takes a URL and a token provider, and timeoutMs and maxSockets in range', () => {
      expect(build({})).not.toThrow();
      expect(build({ baseUrl: 'https://wallet.internal/', timeoutMs: 1, maxSockets: 1 })).not.toThrow();
    });

    it.each([
      [
        'baseUrl',
        [undefined, '', 'wallet.internal', 'ftp://wallet.internal/', 'http://wallet.internal/?x=1', 'http://wallet.internal/#f', 42],
      ],
      ['tokens', [undefined, {}, { getToken: () => 'token' }]],
      ['timeoutMs', [NaN, 0, -1, 1.5, '5000', 2 ** 31]],
      ['maxSockets', [NaN, 0, -1, 2.5, '128', Infinity]],
    ])('%s: refuses each wrong value with a TypeError naming it', (name, wrongs) => {
      for (const wrong of wrongs) expect(build({ [name]: wrong })).toThrow(new RegExp(`^WalletClient: ${name} must `));
    });

    it('shows a wrong number as it is, and a string in quotes', () => {
      expect(build({ timeoutMs: NaN })).toThrow('(got NaN)');
      expect(build({ maxSockets: '128' })).toThrow('WalletClient: maxSockets must be a whole number of at least 1 (got "128")');
    });
  });

  describe('requests', () => {
    it("POSTs JSON under the base URL's path (trailing slashes dropped), with the token, the request id and the idempotency key", async () => {
      const seen: { path?: string; headers?: http.IncomingHttpHeaders; body?: unknown }[] = [];
      const url = await standInWith((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          seen.push({ path: req.url, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
          res.writeHead(200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
          res.end(JSON.stringify({ transactionId: 'tx_1', walletBalance: 90 }));
        });
      });
      const debit = { customerId: 'c1', amount: 10, destinationWalletId: 'w2' };
      const answer = await walletAt(new URL('wallet//', url).toString()).debit(debit, 'key-1', { requestId: 'req-1' });
      expect(answer).toEqual({ transactionId: 'tx_1', walletBalance: 90, replayed: true });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ path: '/wallet/api/debit', body: debit });
      expect(seen[0]!.headers).toMatchObject({
        authorization: expect.stringMatching(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/),
        'content-type': 'application/json',
        'idempotency-key': 'key-1',
        'x-request-id': 'req-1',
      });
    });
    /** A stand-in answering every check-balance after `delayMs`, counting the connections it was sent on. */
    const countingStandIn = async (delayMs: number) => {
      const seen = { connections: 0 };
      const stand = await serve((_req, res) => void setTimeout(() => answerBalance(res, 10), delayMs));
      stand.server.on('connection', () => seen.connections++);
      return { url: stand.url, seen };
    };

    it('keeps its sockets alive: five calls one after another share one connection', async () => {
      const { url, seen } = await countingStandIn(0);
      const wallet = walletAt(url);
      for (let i = 0; i < 5; i++) expect(await wallet.checkBalance('67uhjio098uhgt6l')).toMatchObject({ walletBalance: 10 });
      expect(seen.connections).toBe(1);
    });

    it('opens at most maxSockets connections: six calls at once on two', async () => {
      const { url, seen } = await countingStandIn(30);
      const wallet = walletAt(url, { maxSockets: 2 });
      const answers = await Promise.all(Array.from({ length: 6 }, () => wallet.checkBalance('67uhjio098uhgt6l')));
      expect(answers.map((a) => a.walletBalance)).toEqual([10, 10, 10, 10, 10, 10]);
      expect(seen.connections).toBe(2);
    });

    it('reaches a wallet at an IPv6 address ([::1] in the URL)', async () => {
      const stand = await serve((_req, res) => answerBalance(res, 7), '::1');
      expect(await walletAt(`http://[::1]:${stand.port}/`).checkBalance('67uhjio098uhgt6l')).toMatchObject({ walletBalance: 7 });
    });

    it('reads a JSON answer that starts with a byte-order mark', async () => {
      const url = await standInWith((_req, res) => answerBalance(res, 3, '\uFEFF'));
      expect(await walletAt(url).checkBalance('67uhjio098uhgt6l')).toMatchObject({ walletBalance: 3 });
    });
  });

  describe('failures', () => {
    it('a header node:http refuses (a newline in the key): unreachable, nothing sent, and no crash when the deadline passes', async () => {
      let received = 0;
      const url = await standInWith((_req, res) => void (received++, res.end('{}')));
      const err = await walletAt(url, { timeoutMs: 50 })
        .debit({ customerId: 'c1', amount: 1, destinationWalletId: 'w2' }, 'bad\nkey')
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(WalletError);
      expect(err).toMatchObject({ reason: 'unreachable', status: 503, message: expect.stringContaining('could not be sent') });
      // The deadline's timer was cleared: had it fired, it would have thrown outside any promise.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toBe(0);
    });

    it('a 403 with no error body: our token refused, the status once, no dangling parenthesis', async () => {
      const err = await failureOf(walletAt(await standIn(403, 'Forbidden')));
      expect(err).toBeInstanceOf(WalletError);
      expect(err).toMatchObject({ reason: 'unauthorized', status: 502, code: 'wallet_rejected_token', wallet: { status: 403 } });
      expect(err.message).toBe('The wallet-server refused our token for check-balance (403)');
    });

    it("a 403 with the wallet's error: its code and message, once each", async () => {
      const url = await standIn(403, { error: { code: 'insufficient_scope', message: 'The token lacks read:users' } });
      const err = await failureOf(walletAt(url));
      expect(err.message).toBe(
        'The wallet-server refused our token for check-balance (403 insufficient_scope: The token lacks read:users)',
      );
      expect(err.wallet).toEqual({ status: 403, code: 'insufficient_scope' });
    });

    it('a 503: unavailable, Retry-After for our caller, the message not exposed', async () => {
      const err = await failureOf(walletAt(await standIn(503, { error: { code: 'temporarily_unavailable', message: 'No keys' } })));
      expect(err).toMatchObject({ reason: 'unavailable', status: 503, code: 'wallet_unavailable', expose: false });
      expect(err.headers).toEqual({ 'Retry-After': '1' });
      expect(err.message).toBe('The wallet-server is unavailable (503): No keys');
    });

    it('a 500 or an answer outside the contract: bad_response', async () => {
      expect(await failureOf(walletAt(await standIn(500, '<h1>oops</h1>')))).toMatchObject({
        reason: 'bad_response',
        code: 'wallet_error',
        message: 'The wallet-server failed on check-balance (500)',
      });
      expect(await failureOf(walletAt(await standIn(200, { balance: 'lots' })))).toMatchObject({
        reason: 'bad_response',
        message: "The wallet-server's check-balance answer does not match its contract",
      });
    });

    it('a wallet that is not there: unreachable, the address in the log message only', async () => {
      const url = await standIn(200, {});
      await closeServer(stands.pop()!.server, 100);
      const err = await failureOf(walletAt(url));
      expect(err).toMatchObject({ reason: 'unreachable', status: 503, code: 'wallet_unavailable', expose: false });
      expect(err.message).toBe(`The wallet-server can't be reached at ${url} (ECONNREFUSED)`);
    });

    it('a redirect is not followed: bad_response, nothing sent elsewhere', async () => {
      let followed = 0;
      const elsewhere = await standInWith((_req, res) => void (followed++, res.end('{}')));
      const err = await failureOf(walletAt(await standInWith((_req, res) => res.writeHead(307, { location: elsewhere }).end())));
      expect(err).toMatchObject({ reason: 'bad_response', message: 'The wallet-server failed on check-balance (307)' });
      expect(followed).toBe(0);
    });

    it('an answer larger than 1 MiB: bad_response, and the connection is dropped', async () => {
      let dropped = false;
      const huge = await standInWith((req, res) => {
        req.socket.on('close', () => (dropped = true));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ customerName: 'x'.repeat(2 * 1024 * 1024), walletId: 'w', walletBalance: 1 }));
      });
      expect(await failureOf(walletAt(huge))).toMatchObject({
        reason: 'bad_response',
        message: "The wallet-server's answer to /api/check-balance is too large",
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(dropped).toBe(true);
    });

    it('a connection dropped in the middle of the answer: unreachable', async () => {
      const dropping = await standInWith((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"customerName":', () => res.destroy());
      });
      expect(await failureOf(walletAt(dropping))).toMatchObject({
        reason: 'unreachable',
        message: expect.stringContaining('(ECONNRESET)'),
      });
    });

    it('an answer that trickles in, a byte every 20 ms: a timeout after timeoutMs (the deadline covers the whole answer)', async () => {
      const trickling = await standInWith((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const drip = setInterval(() => res.write(' '), 20); // JSON allows the whitespace; the socket never idles
        res.on('close', () => clearInterval(drip));
      });
      const err = await failureOf(walletAt(trickling, { timeoutMs: 100 }));
      expect(err).toMatchObject({ reason: 'timeout', message: 'The wallet-server did not answer /api/check-balance within 100 ms' });
    });

    it('a wallet that does not answer: a timeout after timeoutMs', async () => {
      const hung = await serve(() => {});
      const err = await failureOf(walletAt(hung.url, { timeoutMs: 50 }));
      expect(err).toMatchObject({ reason: 'timeout', status: 504, code: 'wallet_timeout' });
      expect(err.message).toBe('The wallet-server did not answer /api/check-balance within 50 ms');
      hung.server.closeAllConnections();
    });
  });
});
