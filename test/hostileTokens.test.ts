/**
 * Hostile tokens at the wallet-server. Each gets the right 401 (400 for a
 * malformed Authorization header), never a 500, and never reaches the route handler: every
 * attempt is a well-formed debit with a fresh Idempotency-Key, so a handler that ran would move money.
 */
import http from 'node:http';
import path from 'node:path';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { randomUUID } from 'node:crypto';
import { HostileTokens, readActiveSigningKey } from './support/hostileTokens';
import { at, bearer, request, type HttpAnswer } from './support/http';
import { LogCapture } from './support/logCapture';
import {
  accessToken,
  createM2MClient,
  JANE,
  JOHN,
  sdk,
  startAuth,
  startWallet,
  tempDir,
  type M2MCredentials,
  closeAll,
} from './support/stack';

const tmp = tempDir('hostile');
const logs = new LogCapture();
let auth: RunningAuthServer;
let otherProject: RunningAuthServer;
let wallet: RunningWalletServer;
let client: M2MCredentials;
let validToken: string;
let forge: HostileTokens;

beforeAll(async () => {
  const databaseFile = path.join(tmp.dir, 'auth-server.db');
  auth = await startAuth({ databaseFile, logger: logs.logger('auth-server') });
  otherProject = await startAuth({ logger: logs.logger('other-auth-server') });
  wallet = await startWallet(auth, { databaseFile: path.join(tmp.dir, 'wallet-server.db'), logger: logs.logger('wallet-server') });
  client = await createM2MClient(sdk(auth), ['read:users', 'write:wallets']);
  validToken = await accessToken(sdk(auth), client);
  forge = new HostileTokens({
    key: readActiveSigningKey(databaseFile),
    issuer: auth.issuer,
    projectId: auth.projectId,
    clientId: client.clientId,
  });
});

afterAll(async () => {
  await closeAll(wallet, auth, otherProject);
  tmp.remove();
});

function walletState() {
  return Promise.all(
    [JOHN, JANE].map(async (w) => ({
      balance: (await wallet.wallets.findByCustomer(w.customerId))?.balance,
      ledger: await wallet.wallets.ledgerSum(w.walletId),
    })),
  );
}

/** A debit John → Jane of 1 with a fresh Idempotency-Key: if the handler runs, money moves. */
function debitWith(authorization: string | undefined): Promise<HttpAnswer> {
  return request('POST', at(wallet.url, '/api/debit'), {
    headers: { 'Idempotency-Key': randomUUID(), ...(authorization !== undefined && { Authorization: authorization }) },
    json: { customerId: JOHN.customerId, amount: 1, destinationWalletId: JANE.walletId },
  });
}

function expectRefused(
  answer: HttpAnswer,
  status: 400 | 401,
  bearerError: 'invalid_token' | 'invalid_request' | undefined,
  token?: string,
) {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code: bearerError ?? 'missing_token' });
  const challenge = answer.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer /);
  if (bearerError) expect(challenge).toContain(`error="${bearerError}"`);
  else expect(challenge).not.toContain('error=');
  expect(typeof answer.body.error.message).toBe('string');
  // The refusal never echoes what it refused.
  if (token) expect(answer.text).not.toContain(token.slice(-40));
}

it('sanity: the same debit with a valid token goes through (so a refusal below means the token, not the request)', async () => {
  const before = await walletState();
  const answer = await debitWith(bearer(validToken));
  expect(answer.status).toBe(200);
  expect((await walletState())[0]!.balance).toBe(before[0]!.balance! - 1);
});

describe('tokens the wallet must refuse with 401 invalid_token', () => {
  const cases: [string, () => string | Promise<string>][] = [
    ['alg "none" with an empty signature', () => forge.algNone()],
    ['HS256 signed with the public key PEM as the HMAC secret', () => forge.hs256WithPem()],
    ['HS256 signed with the JWK "n" string as the HMAC secret', () => forge.hs256WithJwkN()],
    ['HS256 signed with the modulus bytes as the HMAC secret', () => forge.hs256WithModulusBytes()],
    ['RS256 signed by an unknown key under the published kid', () => forge.byUnknownKey()],
    [
      'expired an hour ago (real key)',
      () =>
        forge.rs256({
          exp: Math.floor(Date.now() / 1000) - 3600,
          iat: Math.floor(Date.now() / 1000) - 7200,
          nbf: Math.floor(Date.now() / 1000) - 7200,
        }),
    ],
    ['nbf an hour in the future (real key)', () => forge.rs256({ nbf: Math.floor(Date.now() / 1000) + 3600 })],
    ['aud of another project (real key)', () => forge.rs256({ aud: ['project-test-00000000-0000-0000-0000-000000000000'] })],
    ['aud missing (real key)', () => forge.rs256({ aud: undefined })],
    ['iss of another server (real key)', () => forge.rs256({ iss: 'https://evil.example.com' })],
    ['iss missing (real key)', () => forge.rs256({ iss: undefined })],
    ['scope claim missing (real key)', () => forge.rs256({ scope: undefined })],
    ['scope claim a number (real key)', () => forge.rs256({ scope: 42 })],
    ['scope claim an array (real key)', () => forge.rs256({ scope: ['read:users', 'write:wallets'] })],
    ['scope claim an object (real key)', () => forge.rs256({ scope: { 'write:wallets': true } })],
    ['typ header not JWT (real key)', () => forge.rs256({}, { typ: 'at+jwt-nope' })],
    ['kid holding path-traversal text (real key)', () => forge.rs256({}, { kid: '../../../../etc/passwd' })],
    ['kid holding a URL (real key)', () => forge.rs256({}, { kid: 'http://127.0.0.1:1/keys.json' })],
    ['no kid at all, signed by an unknown key', () => forge.byUnknownKey({ header: { kid: undefined } })],
    ['a valid token truncated by 10 characters', () => validToken.slice(0, -10)],
    ['a valid token without its signature segment', () => validToken.split('.').slice(0, 2).join('.')],
    ['a valid token with its signature segment emptied', () => `${validToken.split('.').slice(0, 2).join('.')}.`],
    ['a valid token with an extra segment', () => `${validToken}.${validToken.split('.')[2]}`],
    [
      "a valid token with its payload swapped for another client's claims",
      () => {
        const [header, , signature] = validToken.split('.');
        return `${header}.${Buffer.from(JSON.stringify(forge.claims({ sub: 'm2m-client-test-someone-else' }))).toString('base64url')}.${signature}`;
      },
    ],
    ['token68 characters that are not base64url (~ and +)', () => 'eyJ~~~.eyJ+++.abc'],
    [
      'a header segment that is base64url but not JSON',
      () => `${Buffer.from('not json').toString('base64url')}.${validToken.split('.')[1]}.${validToken.split('.')[2]}`,
    ],
    ['a 12 KB token signed by an unknown key (under the header size limit)', () => forge.ofSize(12 * 1024, { byUnknownKey: true })],
    [
      'a token issued by another project (second auth-server)',
      async () => {
        const other = await createM2MClient(sdk(otherProject), ['read:users', 'write:wallets']);
        return accessToken(sdk(otherProject), other);
      },
    ],
  ];

  it.each(cases)('%s', async (_name, make) => {
    const token = await make();
    const before = await walletState();
    const answer = await debitWith(bearer(token));
    expectRefused(answer, 401, 'invalid_token', token);
    expect(await walletState()).toEqual(before);
    // And the read route refuses it too (its handler would answer 200 with a balance).
    const read = await request('POST', at(wallet.url, '/api/check-balance'), {
      headers: { Authorization: bearer(token) },
      json: { customerId: JOHN.customerId },
    });
    expectRefused(read, 401, 'invalid_token', token);
  });
});

describe('malformed Authorization headers: 400 invalid_request', () => {
  const cases: [string, () => string][] = [
    ['"Bearer" twice', () => `Bearer Bearer ${validToken}`],
    ['two tokens after Bearer', () => `Bearer ${validToken} ${validToken}`],
    ['two Bearer credentials separated by a comma', () => `Bearer ${validToken}, Bearer ${validToken}`],
    ['characters outside base64url/token68 (*, !, quotes)', () => 'Bearer ab*c.d!ef."gh"'],
    ['Bearer with no token', () => 'Bearer '],
    ['the token without a scheme', () => validToken],
  ];

  it.each(cases)('%s', async (_name, make) => {
    const header = make();
    const before = await walletState();
    const answer = await debitWith(header);
    expectRefused(answer, 400, 'invalid_request', validToken);
    expect(await walletState()).toEqual(before);
  });
});

it('Basic credentials on a Bearer route are no credentials for it: 401 with a plain challenge (RFC 6750 §3.1)', async () => {
  const before = await walletState();
  const answer = await debitWith(`Basic ${Buffer.from('id:secret').toString('base64')}`);
  expectRefused(answer, 401, undefined);
  expect(await walletState()).toEqual(before);
});

/**
 * Defence in depth: only a holder of the real signing key can mint these, and the auth-server
 * never does. Still, a token without `sub` has no caller identity (the SDK turns it into
 * client_id "", so every such token would share one idempotency namespace), and one without
 * `exp` never expires: the middleware refuses both.
 */
describe('claims an M2M access token must carry (real key)', () => {
  it('a token without sub is refused (the SDK reports client_id "")', async () => {
    const before = await walletState();
    const token = forge.rs256({ sub: undefined });
    expectRefused(await debitWith(bearer(token)), 401, 'invalid_token', token);
    expect(await walletState()).toEqual(before);
  });

  it('a token without exp is refused (it would never expire)', async () => {
    const before = await walletState();
    const token = forge.rs256({ exp: undefined });
    expectRefused(await debitWith(bearer(token)), 401, 'invalid_token', token);
    expect(await walletState()).toEqual(before);
  });
});

/**
 * One valid token rewritten into variants that decode to the same bytes (padding, a
 * non-canonical last character). Each is refused before any RSA work, so none can take a cache
 * entry or slip past a denylist keyed by the token.
 */
describe('non-canonical spellings of a valid token', () => {
  const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  /** The same signature bytes with different unused low bits in the last character. */
  const lastCharVariant = (token: string) => {
    const last = token.at(-1)!;
    return `${token.slice(0, -1)}${BASE64URL[BASE64URL.indexOf(last) ^ 1]}`;
  };
  const cases: [string, () => string][] = [
    ['one padding character', () => `${validToken}=`],
    ['six padding characters', () => `${validToken}======`],
    ['the last signature character changed in its unused bits', () => lastCharVariant(validToken)],
  ];

  it("sanity: the signature's last character has unused bits, so the variant decodes to the same bytes", () => {
    const signature = validToken.split('.')[2]!;
    expect(Buffer.from(lastCharVariant(validToken).split('.')[2]!, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
  });

  it.each(cases)('%s: 401 invalid_token, nothing debited', async (_name, make) => {
    const token = make();
    const before = await walletState();
    const answer = await debitWith(`Bearer ${token}`);
    expectRefused(answer, 401, 'invalid_token');
    expect(answer.body.error.message).toBe('The token is not a well-formed JWT');
    expect(await walletState()).toEqual(before);
  });
});

/** Claims of the wrong type or range, signed with the real key. 401, never a 500. */
describe('claims of the wrong type or range (real key)', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const cases: [string, () => string, string][] = [
    ['sub an object', () => forge.rs256({ sub: { id: 1 } }), 'The token has an invalid sub claim (not a string)'],
    ['sub a number', () => forge.rs256({ sub: 42 }), 'The token has an invalid sub claim (not a string)'],
    [
      'iat a year in the future',
      () => forge.rs256({ iat: now() + 31_536_000, nbf: now(), exp: now() + 31_539_600 }),
      'The token was issued in the future (iat)',
    ],
    ['iat missing', () => forge.rs256({ iat: undefined }), 'The token has no valid issue time (iat claim missing or not a finite number)'],
    ['exp 1e300', () => forge.rs256({ exp: 1e300 }), 'The token is valid for longer than 86400 seconds (exp - iat)'],
    [
      'a lifetime of 24 h and 1 s',
      () => forge.rs256({ exp: now() + 86_401 }),
      'The token is valid for longer than 86400 seconds (exp - iat)',
    ],
  ];

  it.each(cases)('%s', async (_name, make, message) => {
    const token = make();
    const before = await walletState();
    const answer = await debitWith(bearer(token));
    expectRefused(answer, 401, 'invalid_token', token);
    expect(answer.body.error.message).toBe(message);
    expect(await walletState()).toEqual(before);
  });
});

/**
 * Same project, same key, same issuer and audience, but not an M2M access token.
 * The `sub` is the real M2M client's, so only the shape can refuse them (not the client status).
 */
describe('tokens of other Stytch products (real key)', () => {
  const cases: [string, () => string, string][] = [
    [
      'a Connected Apps access token (a client_id claim, OIDC and custom scopes)',
      () =>
        forge.rs256({
          client_id: 'connected-app-test-d731954d-dab3-4a2b-bdee-07f3ad1be888',
          scope: 'openid email read:users write:wallets',
        }),
      'client_id claim present (a Connected Apps access token)',
    ],
    [
      'a Connected Apps access token for a user',
      () =>
        forge.rs256({
          sub: 'user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6',
          client_id: 'connected-app-test-1',
          scope: 'openid write:wallets',
        }),
      'client_id claim present (a Connected Apps access token)',
    ],
    [
      'a session JWT given a scope',
      () =>
        forge.rs256({ 'https://stytch.com/session': { id: 'session-test-1', started_at: '2026-01-01T00:00:00Z' }, scope: 'write:wallets' }),
      'session claim present (a session JWT)',
    ],
  ];

  it.each(cases)('%s: 401 invalid_token', async (_name, make, reason) => {
    const token = make();
    const before = await walletState();
    const answer = await debitWith(bearer(token));
    expectRefused(answer, 401, 'invalid_token', token);
    expect(answer.body.error.message).toBe('The token is not an M2M access token');
    expect(logs.linesContaining(reason).length).toBeGreaterThan(0);
    expect(await walletState()).toEqual(before);
  });

  it('the M2M shape the auth-server mints passes: no client_id claim, the client in sub', async () => {
    const payload = JSON.parse(Buffer.from(validToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).not.toHaveProperty('client_id');
    expect(payload.sub).toBe(client.clientId);
    expect((await debitWith(bearer(validToken))).status).toBe(200);
  });
});

it('no Authorization header at all: 401 without an error code (RFC 6750 §3.1)', async () => {
  const before = await walletState();
  expectRefused(await debitWith(undefined), 401, undefined);
  expect(await walletState()).toEqual(before);
});

it('a 16 KB token is refused before any handler: 431 from the HTTP parser or 401, never a 500', async () => {
  const token = forge.ofSize(16 * 1024, { byUnknownKey: true });
  const before = await walletState();
  const answer = await debitWith(bearer(token)).catch((err: unknown) => ({ status: 0, error: err }) as unknown as HttpAnswer);
  expect([401, 431]).toContain(answer.status);
  expect(await walletState()).toEqual(before);
});

it('two Authorization headers, a forged one first and a valid one second: refused, nothing debited', async () => {
  const before = await walletState();
  const status = await new Promise<number>((resolve, reject) => {
    const body = JSON.stringify({ customerId: JOHN.customerId, amount: 1, destinationWalletId: JANE.walletId });
    const req = http.request(at(wallet.url, '/api/debit'), { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setHeader('Content-Type', 'application/json');
    req.setHeader('Idempotency-Key', randomUUID());
    req.setHeader('Authorization', [bearer(forge.algNone()), bearer(validToken)]);
    req.end(body);
  });
  expect([400, 401]).toContain(status);
  expect(await walletState()).toEqual(before);
});

it('a flood of tokens under 100 different unknown kids does not turn the wallet into a JWKS-fetching amplifier', async () => {
  const jwksFetches = () =>
    logs.lines.filter((line) => line.includes('"name":"auth-server"') && line.includes('/v1/sessions/jwks/')).length;
  const before = jwksFetches();
  expect(before).toBeGreaterThan(0); // the counter does see the wallet's fetches
  const state = await walletState();
  const answers = await Promise.all(
    Array.from({ length: 100 }, () => forge.byUnknownKey({ header: { kid: `jwk-test-${randomUUID()}` } })).map((token) =>
      debitWith(bearer(token)),
    ),
  );
  expect(new Set(answers.map((a) => a.status))).toEqual(new Set([401]));
  expect(await walletState()).toEqual(state);
  // jose re-fetches for an unknown kid at most once per cool-down, whatever the attacker sends.
  expect(jwksFetches() - before).toBeLessThanOrEqual(1);
});

describe('tokens that bring their own key, or point at one', () => {
  let attackerServer: http.Server;
  let attackerUrl: string;
  let attackerHits = 0;

  beforeAll(async () => {
    attackerServer = http.createServer((_req, res) => {
      attackerHits += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [forge.attackerJwk()] }));
    });
    await new Promise<void>((resolve) => attackerServer.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attackerServer.address() as import('node:net').AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => attackerServer.close(() => resolve())));

  it.each<[string, () => string]>([
    ['the public key embedded in the header (jwk)', () => forge.withAttackerKeyIn({ jwk: forge.attackerJwk() })],
    ["a jku pointing at the attacker's JWKS", () => forge.withAttackerKeyIn({ jku: `${attackerUrl}/jwks.json`, kid: 'attacker-key' })],
    ["an x5u pointing at the attacker's server", () => forge.withAttackerKeyIn({ x5u: `${attackerUrl}/cert.pem` })],
    ['a jku plus the published kid', () => forge.byUnknownKey({ header: { jku: `${attackerUrl}/jwks.json` } })],
    ['an unknown critical header (crit)', () => forge.rs256({}, { crit: ['exp-v2'], 'exp-v2': 1 })],
    ['RS512 with the real key (the JWKS says RS256)', () => forge.realKeyWith('RS512')],
    ['PS256 with the real key (the JWKS says RS256)', () => forge.realKeyWith('PS256')],
    ['a kid holding SQL', () => forge.byUnknownKey({ header: { kid: "' OR 1=1 --" } })],
  ])("%s → 401, and the attacker's URL is never fetched", async (_label, make) => {
    const token = make();
    const before = await walletState();
    expectRefused(await debitWith(bearer(token)), 401, 'invalid_token', token);
    expect(await walletState()).toEqual(before);
    expect(attackerHits).toBe(0);
  });
});

it('never logged a token or answered 500 during all of the above', () => {
  expect(logs.linesContaining(validToken.split('.')[2]!)).toEqual([]);
  expect(logs.lines.filter((line) => /"statusCode":5\d\d/.test(line))).toEqual([]);
  // The refusals were logged (with a reason), so an operator can see the attack.
  expect(logs.linesContaining('access token refused').length).toBeGreaterThan(20);
});
