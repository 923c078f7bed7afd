import request from 'supertest';
import { createStytchClient } from '@m2m/shared';
import { startForger, type Forger } from '../../test/support/hostileTokens';
import { startGuardedApp } from './support/guardedApp';

/**
 * Tokens no honest authorization server issues, verified by the real SDK against the JWKS of an
 * issuer the test controls. Each must be a 401 invalid_token, never a 200 and never a 500.
 */
describe('authorizeToken refuses forged and broken tokens', () => {
  let forger: Forger;
  let app: { url: string; close(): Promise<void> };
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    forger = await startForger();
    const client = createStytchClient({ projectId: forger.projectId, secret: 'forger-secret', baseUrl: forger.url });
    // The forger serves only a JWKS (no management API to ask a client's status).
    app = await startGuardedApp({ client, clockToleranceSeconds: 0, clientStatus: false });
  });
  afterAll(async () => {
    await app.close();
    await forger.close();
  });

  const call = (token: string) => request(app.url).get('/read').set('Authorization', `Bearer ${token}`);

  it("accepts the forger's well-formed token (the control case)", async () => {
    const res = await call(forger.tokens.rs256({ tier: 'gold' })).expect(200);
    expect(res.body).toEqual({
      client_id: 'm2m-client-test-forged',
      scopes: ['read:users', 'write:wallets'],
      custom_claims: { tier: 'gold' },
    });
  });

  it.each<[string, () => string, string]>([
    [
      'expired',
      () => forger.tokens.rs256({ iat: now() - 7200, nbf: now() - 7200, exp: now() - 60 }),
      'The token has expired; get a new one',
    ],
    ['not yet valid', () => forger.tokens.rs256({ nbf: now() + 600 }), 'The token is not valid yet (nbf)'],
    [
      'for another audience',
      () => forger.tokens.rs256({ aud: ['project-test-someone-else'] }),
      'The token was issued for another audience (aud is not this project)',
    ],
    ['from another issuer', () => forger.tokens.rs256({ iss: 'https://evil.example' }), 'The token was issued by another issuer (iss)'],
    ['without typ JWT', () => forger.tokens.rs256({}, { typ: undefined }), 'The token is not a JWT access token (typ)'],
    ['badly signed', () => forger.tokens.byUnknownKey(), 'The token signature does not verify'],
    [
      'with an unknown kid',
      () => forger.tokens.rs256({}, { kid: 'no-such-key' }),
      'The token is signed with a key this project does not publish',
    ],
    ['unsigned (alg none)', () => forger.tokens.algNone(), 'The token is signed with an algorithm that is not accepted'],
    [
      'HS256 with the public key as secret',
      () => forger.tokens.hs256WithModulusBytes(),
      'The token is signed with an algorithm that is not accepted',
    ],
    [
      'without a scope claim',
      () => forger.tokens.rs256({ scope: undefined }),
      'The token is not an M2M access token (its scope claim is missing or malformed)',
    ],
    ['without sub (no caller)', () => forger.tokens.rs256({ sub: undefined }), 'The token names no client (sub claim missing)'],
    ['without exp (never expires)', () => forger.tokens.rs256({ exp: undefined }), 'The token never expires (exp claim missing)'],
    [
      'with a non-string scope claim',
      () => forger.tokens.rs256({ scope: ['read:users'] }),
      'The token is not an M2M access token (its scope claim is missing or malformed)',
    ],
  ])('answers 401 invalid_token to a token %s', async (_name, make, message) => {
    const res = await call(make()).expect(401);
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="api", error="invalid_token", error_description="${message}"`);
    expect(res.body.error).toEqual({ code: 'invalid_token', message });
  });
});
