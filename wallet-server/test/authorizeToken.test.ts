import request from 'supertest';
import type { RunningAuthServer } from '@m2m/auth-server';
import type * as stytch from 'stytch';
import { authorizeToken, createStytchClient, type AuthorizeTokenOptions } from '@m2m/shared';
import { clockAheadOfIssuer } from '../../test/support/clock';
import { countVerifications } from '../../test/support/countVerifications';
import { accessToken, createM2MClient, sdk, startAuth, type M2MCredentials } from '../../test/support/stack';
import { startGuardedApp } from './support/guardedApp';

const METADATA = 'https://wallet.example/.well-known/oauth-protected-resource';

describe('authorizeToken against a real auth-server and the real SDK', () => {
  let auth: RunningAuthServer;
  let admin: stytch.Client;
  let verifier: stytch.Client;
  let verifications: () => number;
  let app: { url: string; close(): Promise<void> };
  let reader: M2MCredentials;
  let both: M2MCredentials;
  let readToken: string;
  let bothToken: string;

  beforeAll(async () => {
    auth = await startAuth();
    admin = sdk(auth);
    verifier = sdk(auth);
    verifications = countVerifications(verifier);
    app = await startGuardedApp({ client: verifier, realm: 'wallet', resourceMetadataUrl: METADATA });
    reader = await createM2MClient(admin, ['read:users']);
    both = await createM2MClient(admin, ['read:users', 'write:wallets']);
    readToken = await accessToken(admin, reader);
    bothToken = await accessToken(admin, both);
  });
  afterAll(async () => {
    await app.close();
    await auth.close();
  });

  it('accepts a valid token and puts the caller on req.m2m', async () => {
    const res = await request(app.url).get('/read').set('Authorization', `Bearer ${readToken}`).expect(200);
    expect(res.body).toEqual({ client_id: reader.clientId, scopes: ['read:users'], custom_claims: {} });
  });

  it('takes the scheme in any case', async () => {
    await request(app.url).get('/read').set('Authorization', `bEARER ${readToken}`).expect(200);
  });

  it('answers 401 with a challenge and no error code when there are no credentials', async () => {
    const res = await request(app.url).get('/read').expect(401);
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="wallet", resource_metadata="${METADATA}"`);
    expect(res.body.error.code).toBe('missing_token');
    expect(res.body.error.message).toContain('read:users');
  });

  it.each([
    ['an empty header', ''],
    ['the scheme alone', 'Bearer'],
    ['Bearer twice', 'Bearer Bearer abc.def.ghi'],
    ['two tokens', 'Bearer abc.def.ghi jkl.mno.pqr'],
    ['characters a token cannot hold', 'Bearer abc"def'],
  ])('answers 400 invalid_request to %s', async (_name, header) => {
    const res = await request(app.url).get('/read').set('Authorization', header).expect(400);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="wallet", error="invalid_request", error_description="[^"]+"$/);
    expect(res.body.error.code).toBe('invalid_request');
  });

  it('treats credentials of another scheme as no credentials: 401 with a plain challenge (RFC 6750 §3.1)', async () => {
    const res = await request(app.url).get('/read').set('Authorization', 'Basic dXNlcjpwYXNz').expect(401);
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="wallet", resource_metadata="${METADATA}"`);
    expect(res.body.error.code).toBe('missing_token');
  });

  it('refuses a token in the query string or a form body, even a valid one', async () => {
    const query = await request(app.url).get(`/read?access_token=${readToken}`).expect(400);
    expect(query.body.error.code).toBe('invalid_request');
    expect(query.body.error.message).toContain('Authorization header');
    const form = await request(app.url).post('/read').type('form').send({ access_token: readToken }).expect(400);
    expect(form.body.error.code).toBe('invalid_request');
  });

  it('answers 401 invalid_token to garbage, and never echoes the token', async () => {
    const res = await request(app.url).get('/read').set('Authorization', 'Bearer not-a-jwt').expect(401);
    expect(res.headers['www-authenticate']).toBe(
      `Bearer realm="wallet", error="invalid_token", error_description="The token is not a well-formed JWT", resource_metadata="${METADATA}"`,
    );
    expect(res.body.error).toEqual({ code: 'invalid_token', message: 'The token is not a well-formed JWT' });
  });

  it('answers 403 insufficient_scope naming the scope the route needs', async () => {
    const res = await request(app.url).get('/write').set('Authorization', `Bearer ${readToken}`).expect(403);
    expect(res.headers['www-authenticate']).toBe(
      `Bearer realm="wallet", error="insufficient_scope", error_description="The token lacks the scope write:wallets that this route requires", scope="write:wallets", resource_metadata="${METADATA}"`,
    );
    expect(res.body.error.code).toBe('insufficient_scope');
  });

  it('requires every scope of a multi-scope route', async () => {
    const res = await request(app.url).get('/both').set('Authorization', `Bearer ${readToken}`).expect(403);
    expect(res.headers['www-authenticate']).toContain('scope="read:users write:wallets"');
    await request(app.url).get('/both').set('Authorization', `Bearer ${bothToken}`).expect(200);
  });

  it('honours Stytch wildcard scopes: read:* satisfies read:anything', async () => {
    const wildcard = await createM2MClient(admin, ['read:*']);
    const token = await accessToken(admin, wildcard);
    await request(app.url).get('/read-any').set('Authorization', `Bearer ${token}`).expect(200);
    await request(app.url).get('/write').set('Authorization', `Bearer ${token}`).expect(403);
  });

  it("verifies a token once, and still enforces each route's scopes on a cache hit", async () => {
    const token = await accessToken(admin, reader);
    const before = verifications();
    await request(app.url).get('/read').set('Authorization', `Bearer ${token}`).expect(200);
    await request(app.url).get('/read').set('Authorization', `Bearer ${token}`).expect(200);
    await request(app.url).get('/write').set('Authorization', `Bearer ${token}`).expect(403);
    await request(app.url).get('/both').set('Authorization', `Bearer ${token}`).expect(403);
    expect(verifications() - before).toBe(1);
  });

  it('refuses padded spellings of a cached token without verifying them or caching them', async () => {
    const token = await accessToken(admin, reader);
    const cached = authorizeToken('read:users', { client: verifier });
    await request(app.url).get('/read').set('Authorization', `Bearer ${token}`).expect(200);
    const [sizeBefore, before] = [cached.cache!.size, verifications()];
    for (const variant of [`${token}=`, `${token}==`, `${token}======`]) {
      const res = await request(app.url).get('/read').set('Authorization', `Bearer ${variant}`).expect(401);
      expect(res.body.error.message).toBe('The token is not a well-formed JWT');
    }
    expect([cached.cache!.size, verifications() - before]).toEqual([sizeBefore, 0]);
  });

  it('shares the verified-token cache among middleware with the same client and verifier settings, and only those', async () => {
    await request(app.url).get('/read').set('Authorization', `Bearer ${readToken}`).expect(200);
    const sizeOf = (options: AuthorizeTokenOptions) => authorizeToken('read:users', { client: verifier, ...options }).cache?.size;
    const shared = sizeOf({});
    expect(shared).toBeGreaterThan(0);
    // What only shapes the answer (realm, metadata, logger, age and lifetime limits, scopes) shares the verifier...
    expect(sizeOf({ realm: 'elsewhere', maxTokenAgeSeconds: 60, maxTokenLifetimeSeconds: 3_600, logger: console })).toBe(shared);
    // ...what changes verification or revocation gets a verifier of its own, as does another client.
    expect(sizeOf({ clockToleranceSeconds: 5 })).toBe(0);
    expect(sizeOf({ cache: { maxEntries: 5 } })).toBe(0);
    expect(sizeOf({ clientStatusMaxAgeSeconds: 5 })).toBe(0);
    expect(sizeOf({ now: clockAheadOfIssuer().now })).toBe(0);
    expect(authorizeToken('read:users', { client: sdk(auth) }).cache?.size).toBe(0);
  });

  it("drops a cached token at its exp, and refuses it once older than maxTokenAgeSeconds, on the middleware's clock", async () => {
    const clock = clockAheadOfIssuer();
    const options = { client: verifier, now: clock.now, clientStatus: false, jwksMaxAgeSeconds: false } as const;
    const aged = await startGuardedApp({ ...options, maxTokenAgeSeconds: 600 });
    const plain = await startGuardedApp(options);
    try {
      const token = await accessToken(admin, reader);
      const { iat, exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { iat: number; exp: number };
      const before = verifications();
      await request(aged.url).get('/read').set('Authorization', `Bearer ${token}`).expect(200);
      await request(plain.url).get('/read').set('Authorization', `Bearer ${token}`).expect(200);
      expect(verifications() - before).toBe(1);

      // Age is checked per route on the cached entry: no new verification.
      clock.advance((iat + 600) * 1000 - clock.now());
      const old = await request(aged.url).get('/read').set('Authorization', `Bearer ${token}`).expect(401);
      expect(old.body.error.message).toBe('The token was issued more than 600 seconds ago; get a new one');
      await request(plain.url).get('/read').set('Authorization', `Bearer ${token}`).expect(200);
      expect(verifications() - before).toBe(1);

      // At exp the entry is gone: the token goes back to the SDK (whose own clock still finds it valid).
      clock.advance(exp * 1000 - clock.now());
      await request(plain.url).get('/read').set('Authorization', `Bearer ${token}`).expect(200);
      expect(verifications() - before).toBe(2);
    } finally {
      await aged.close();
      await plain.close();
    }
  });

  it('shares one verification among concurrent requests carrying the same new token', async () => {
    const token = await accessToken(admin, reader);
    const before = verifications();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => request(app.url).get('/read').set('Authorization', `Bearer ${token}`)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(verifications() - before).toBe(1);
  });

  it('with clientStatus: false, keeps accepting a token whose client was deactivated after issue, until it expires (Stytch semantics)', async () => {
    const soonInactive = await createM2MClient(admin, ['read:users']);
    const token = await accessToken(admin, soonInactive);
    await admin.m2m.clients.update({ client_id: soonInactive.clientId, status: 'inactive' });
    await expect(accessToken(admin, soonInactive)).rejects.toThrow();
    // A fresh app (empty cache) verifies the token from scratch.
    const fresh = await startGuardedApp({ client: sdk(auth), clientStatus: false });
    try {
      const res = await request(fresh.url).get('/read').set('Authorization', `Bearer ${token}`).expect(200);
      expect(res.body.client_id).toBe(soonInactive.clientId);
    } finally {
      await fresh.close();
    }
  });

  it('refuses a token older than maxTokenAgeSeconds, even from the cache', async () => {
    const strict = await startGuardedApp({ client: verifier, maxTokenAgeSeconds: 0 });
    try {
      // readToken is in the shared cache already; age is checked per route anyway.
      const res = await request(strict.url).get('/read').set('Authorization', `Bearer ${readToken}`).expect(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(res.body.error.message).toContain('issued more than 0 seconds ago');
    } finally {
      await strict.close();
    }
  });

  it('verifies every request when the cache is off', async () => {
    const uncached = await startGuardedApp({ client: verifier, cache: false });
    try {
      const before = verifications();
      await request(uncached.url).get('/read').set('Authorization', `Bearer ${readToken}`).expect(200);
      await request(uncached.url).get('/read').set('Authorization', `Bearer ${readToken}`).expect(200);
      expect(verifications() - before).toBe(2);
    } finally {
      await uncached.close();
    }
  });

  it('logs why a request was refused and by which client, never the token', async () => {
    const lines: Record<string, unknown>[] = [];
    const collect = (details: Record<string, unknown>, message: string) => lines.push({ ...details, message });
    const logged = await startGuardedApp({ client: verifier, logger: { warn: collect, info: collect } });
    try {
      await request(logged.url).get('/write').set('Authorization', `Bearer ${readToken}`).expect(403);
      await request(logged.url).get('/read').set('Authorization', 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln').expect(401);
      expect(lines[0]).toMatchObject({ status: 403, client_id: reader.clientId, path: '/write', message: 'access token refused' });
      expect(lines[0]!.reason).toContain('missing scopes write:wallets');
      expect(lines[1]).toMatchObject({ status: 401, message: 'access token refused' });
      const text = JSON.stringify(lines);
      expect(text).not.toContain(readToken);
      expect(text).not.toContain('eyJhbGciOiJSUzI1NiJ9.e30.c2ln');
    } finally {
      await logged.close();
    }
  });

  it('accepts tokens signed by the previous key after a signing-key rotation', async () => {
    const oldToken = await accessToken(admin, reader);
    const basic = Buffer.from(`${auth.projectId}:${auth.projectSecret}`).toString('base64');
    const rotated = await fetch(new URL('v1/local/signing-keys/rotate', auth.url), {
      method: 'POST',
      headers: { authorization: `Basic ${basic}` },
    });
    expect(rotated.status).toBe(200);
    const newToken = await accessToken(admin, reader);
    const fresh = await startGuardedApp({ client: sdk(auth) });
    try {
      await request(fresh.url).get('/read').set('Authorization', `Bearer ${oldToken}`).expect(200);
      // The new kid is not in the JWKS the client cached a moment ago: jose re-fetches it once.
      await request(fresh.url).get('/read').set('Authorization', `Bearer ${newToken}`).expect(200);
    } finally {
      await fresh.close();
    }
  });

  it('answers 401 to a token from another project (a key this project does not publish)', async () => {
    const other = await startAuth();
    try {
      const otherAdmin = sdk(other);
      const stranger = await createM2MClient(otherAdmin, ['read:users']);
      const token = await accessToken(otherAdmin, stranger);
      const res = await request(app.url).get('/read').set('Authorization', `Bearer ${token}`).expect(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    } finally {
      await other.close();
    }
  });
});

describe('authorizeToken when the signing keys are unreachable', () => {
  it('answers 503 with Retry-After when no keys are cached and the auth-server is down', async () => {
    const auth = await startAuth();
    const admin = sdk(auth);
    const caller = await createM2MClient(admin, ['read:users']);
    const token = await accessToken(admin, caller);
    const project = { projectId: auth.projectId, secret: auth.projectSecret, baseUrl: auth.url };
    await auth.close();

    // A fresh client has no keys cached, and the auth-server is gone.
    const app = await startGuardedApp({ client: createStytchClient(project) });
    try {
      const res = await request(app.url).get('/read').set('Authorization', `Bearer ${token}`).expect(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(res.body.error.code).toBe('temporarily_unavailable');
      // A malformed token is still the caller's mistake, keys or not.
      await request(app.url).get('/read').set('Authorization', 'Bearer abc').expect(401);
    } finally {
      await app.close();
    }
  });

  it('keeps serving from cached keys while the auth-server is down', async () => {
    const auth = await startAuth();
    const admin = sdk(auth);
    const caller = await createM2MClient(admin, ['read:users']);
    const first = await accessToken(admin, caller);
    const second = await accessToken(admin, caller);
    const app = await startGuardedApp({ client: sdk(auth), cache: false });
    try {
      await request(app.url).get('/read').set('Authorization', `Bearer ${first}`).expect(200);
      await auth.close();
      await request(app.url).get('/read').set('Authorization', `Bearer ${second}`).expect(200);
    } finally {
      await app.close();
    }
  });
});

describe('authorizeToken at token expiry', () => {
  it("with clientStatus: false, accepts a deactivated client's token until it expires, then refuses it, cached or not", async () => {
    const auth = await startAuth({ tokenLifetimeSeconds: 2 });
    const app = await startGuardedApp({ client: sdk(auth), clockToleranceSeconds: 0, clientStatus: false });
    try {
      const admin = sdk(auth);
      const caller = await createM2MClient(admin, ['read:users']);
      const token = await accessToken(admin, caller);
      await admin.m2m.clients.update({ client_id: caller.clientId, status: 'inactive' });
      await request(app.url).get('/read').set('Authorization', `Bearer ${token}`).expect(200);

      // The verified-token cache holds it; the entry must die with the token.
      const exp = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;
      await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 100));
      const res = await request(app.url).get('/read').set('Authorization', `Bearer ${token}`).expect(401);
      expect(res.body.error).toEqual({ code: 'invalid_token', message: 'The token has expired; get a new one' });
    } finally {
      await app.close();
      await auth.close();
    }
  });
});

describe('authorizeToken without a Stytch client configured', () => {
  it("answers 500 (the server's fault), not 401, and still 401 to a request without credentials", async () => {
    const saved = { id: process.env.STYTCH_PROJECT_ID, secret: process.env.STYTCH_SECRET };
    delete process.env.STYTCH_PROJECT_ID;
    delete process.env.STYTCH_SECRET;
    const app = await startGuardedApp({});
    try {
      const res = await request(app.url).get('/read').set('Authorization', 'Bearer abc.def.ghi').expect(500);
      expect(res.body.error.code).toBe('internal_error');
      await request(app.url).get('/read').expect(401);
    } finally {
      await app.close();
      if (saved.id !== undefined) process.env.STYTCH_PROJECT_ID = saved.id;
      if (saved.secret !== undefined) process.env.STYTCH_SECRET = saved.secret;
    }
  });
});
