/**
 * A revoked client or signing key is refused within its window, through the real auth-server and
 * the real SDK. The windows (1 s) pass on the middleware's controlled clock, not in real time;
 * how long revocation really takes is measured in `npm run bench`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../test/support/tempDir';
import request from 'supertest';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { AuthorizeTokenOptions } from '@m2m/shared';
import type * as stytch from 'stytch';
import { clockAheadOfIssuer } from '../../test/support/clock';
import { HostileTokens, readActiveSigningKey } from '../../test/support/hostileTokens';
import { accessToken, createM2MClient, sdk, startAuth, type M2MCredentials } from '../../test/support/stack';
import { startGuardedApp } from './support/guardedApp';

type Line = Record<string, unknown>;
const SHORT: AuthorizeTokenOptions = { clientStatusMaxAgeSeconds: 1, clientStatusStaleSeconds: 1, jwksMaxAgeSeconds: 1 };

/** Counts the management calls the middleware makes to learn client statuses. */
function countStatusLookups(client: stytch.Client): () => number {
  const original = client.m2m.clients.get.bind(client.m2m.clients);
  let calls = 0;
  client.m2m.clients.get = (...args: Parameters<typeof original>) => {
    calls += 1;
    return original(...args);
  };
  return () => calls;
}

async function guarded(auth: RunningAuthServer, options: AuthorizeTokenOptions = {}) {
  const lines: Line[] = [];
  const collect = (details: Line, message: string) => lines.push({ ...details, message });
  const client = sdk(auth);
  const lookups = countStatusLookups(client);
  const app = await startGuardedApp({ client, logger: { warn: collect, info: collect }, ...SHORT, ...options });
  const read = (token: string) => request(app.url).get('/read').set('Authorization', `Bearer ${token}`);
  return { app, read, lines, lookups };
}

describe('client revocation', () => {
  let auth: RunningAuthServer;
  let admin: stytch.Client;
  beforeAll(async () => {
    auth = await startAuth();
    admin = sdk(auth);
  });
  afterAll(async () => {
    await auth.close();
  });

  it("refuses a deactivated client's cached token once the window has passed, and accepts it again after reactivation", async () => {
    const clock = clockAheadOfIssuer();
    const { app, read, lines } = await guarded(auth, { now: clock.now });
    try {
      const caller = await createM2MClient(admin, ['read:users']);
      const token = await accessToken(admin, caller);
      await read(token).expect(200);

      await admin.m2m.clients.update({ client_id: caller.clientId, status: 'inactive' });
      // Within the window the status learnt a moment ago stands: no lookup per request.
      await read(token).expect(200);
      clock.advance(1_000);
      const res = await read(token).expect(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(res.body.error).toEqual({ code: 'invalid_token', message: 'The client this token was issued to is deactivated or deleted' });
      expect(lines.at(-1)).toMatchObject({ status: 401, reason: 'client revoked (inactive)', client_id: caller.clientId });

      await admin.m2m.clients.update({ client_id: caller.clientId, status: 'active' });
      await read(token).expect(401);
      clock.advance(1_000);
      await read(token).expect(200);
    } finally {
      await app.close();
    }
  });

  it('refuses the token of a deleted client, first seen after the deletion', async () => {
    const { app, read, lines } = await guarded(auth);
    try {
      const caller = await createM2MClient(admin, ['read:users']);
      const token = await accessToken(admin, caller);
      await admin.m2m.clients.delete({ client_id: caller.clientId });
      await read(token).expect(401);
      expect(lines.at(-1)).toMatchObject({ reason: 'client revoked (deleted)', client_id: caller.clientId });
    } finally {
      await app.close();
    }
  });

  it('asks once per client per period, one lookup shared by concurrent requests, and none when turned off', async () => {
    const { app, read, lookups } = await guarded(auth, { clientStatusMaxAgeSeconds: 30 });
    const off = await guarded(auth, { clientStatus: false });
    try {
      const callers = await Promise.all([createM2MClient(admin, ['read:users']), createM2MClient(admin, ['read:users'])]);
      const tokens = await Promise.all(callers.flatMap((caller) => [accessToken(admin, caller), accessToken(admin, caller)]));
      const answers = await Promise.all(Array.from({ length: 5 }, () => tokens.map((token) => read(token))).flat());
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      expect(lookups()).toBe(2);

      await off.read(tokens[0]!).expect(200);
      expect(off.lookups()).toBe(0);
    } finally {
      await app.close();
      await off.app.close();
    }
  });

  it('keeps at most as many client statuses as the token cache holds tokens (LRU)', async () => {
    const { app, read, lookups } = await guarded(auth, { clientStatusMaxAgeSeconds: 30, cache: { maxEntries: 1 } });
    try {
      const [first, second] = await Promise.all([createM2MClient(admin, ['read:users']), createM2MClient(admin, ['read:users'])]);
      const firstToken = await accessToken(admin, first);
      await read(firstToken).expect(200);
      await read(await accessToken(admin, second)).expect(200);
      // The first client's status was evicted by the second's: asked again.
      await read(firstToken).expect(200);
      expect(lookups()).toBe(3);
    } finally {
      await app.close();
    }
  });
});

describe('client status while the auth-server is down', () => {
  it('keeps the last known status for clientStatusStaleSeconds, then answers 503 with Retry-After', async () => {
    const auth = await startAuth();
    const admin = sdk(auth);
    const clock = clockAheadOfIssuer();
    const { app, read, lines } = await guarded(auth, { clientStatusStaleSeconds: 2, jwksMaxAgeSeconds: false, now: clock.now });
    try {
      const caller = await createM2MClient(admin, ['read:users']);
      const token = await accessToken(admin, caller);
      const unseen = await accessToken(admin, await createM2MClient(admin, ['read:users']));
      await read(token).expect(200);
      await auth.close();

      // Past the 1 s period the lookup fails: the last known status still serves...
      clock.advance(1_200);
      await read(token).expect(200);
      // ...but a client never seen has no last known status: never fail open.
      const refused = await read(unseen).expect(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.body.error.code).toBe('temporarily_unavailable');
      expect(lines.at(-1)).toMatchObject({ status: 503 });
      expect(String(lines.at(-1)!.reason)).toContain('client status lookup failed');

      // Still within period + stale window (3 s), and the failed lookup is not retried for 2 s: still served...
      clock.advance(1_700);
      await read(token).expect(200);
      // ...past it: 503 for the known client too.
      clock.advance(100);
      await read(token).expect(503);
    } finally {
      await app.close();
    }
  });
});

describe('signing-key revocation', () => {
  let dir: string;
  let auth: RunningAuthServer;
  let admin: stytch.Client;
  let caller: M2MCredentials;
  beforeAll(async () => {
    dir = tempDir('revocation').dir;
    auth = await startAuth({ databaseFile: path.join(dir, 'auth-server.db') });
    admin = sdk(auth);
    caller = await createM2MClient(admin, ['read:users']);
  });
  afterAll(async () => {
    await auth.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses tokens of a revoked key once jwksMaxAgeSeconds has passed, even one minted with the stolen key after the revocation', async () => {
    const clock = clockAheadOfIssuer();
    const { app, read, lines } = await guarded(auth, { now: clock.now });
    try {
      const stolen = readActiveSigningKey(path.join(dir, 'auth-server.db'));
      const before = await accessToken(admin, caller);
      await read(before).expect(200);

      const basic = Buffer.from(`${auth.projectId}:${auth.projectSecret}`).toString('base64');
      const rotated = await fetch(new URL('v1/local/signing-keys/rotate', auth.url), {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
        body: JSON.stringify({ force: true, revoke_previous: true }),
      });
      expect(rotated.status).toBe(200);
      // The SDK's JWKS cache (10 minutes) still holds the stolen key: the attacker's fresh token verifies there.
      const minted = new HostileTokens({ key: stolen, issuer: auth.issuer, projectId: auth.projectId, clientId: caller.clientId }).rs256({
        scope: 'read:users',
      });

      // Within the window the JWKS read a moment ago stands...
      await read(before).expect(200);
      // ...once it has passed, the cached token is dropped by the kid check...
      clock.advance(1_000);
      const res = await read(before).expect(401);
      expect(res.body.error.message).toBe('The token is signed with a key this project no longer publishes');
      expect(lines.at(-1)).toMatchObject({ reason: `signing key revoked (kid ${stolen.kid})`, client_id: caller.clientId });
      // ...and the JWKS re-read also refreshed the SDK's key set: the minted token no longer verifies at all.
      const refused = await read(minted).expect(401);
      expect(refused.body.error.code).toBe('invalid_token');
      // The new key's tokens pass.
      await read(await accessToken(admin, caller)).expect(200);
    } finally {
      await app.close();
    }
  });

  it("with jwksMaxAgeSeconds: false, leaves the key to the SDK's own JWKS cache", async () => {
    const clock = clockAheadOfIssuer();
    const { app, read } = await guarded(auth, { jwksMaxAgeSeconds: false, now: clock.now });
    try {
      const stolen = readActiveSigningKey(path.join(dir, 'auth-server.db'));
      await read(await accessToken(admin, caller)).expect(200);
      const basic = Buffer.from(`${auth.projectId}:${auth.projectSecret}`).toString('base64');
      await fetch(new URL('v1/local/signing-keys/rotate', auth.url), {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
        body: JSON.stringify({ force: true, revoke_previous: true }),
      });
      clock.advance(1_200);
      const minted = new HostileTokens({ key: stolen, issuer: auth.issuer, projectId: auth.projectId, clientId: caller.clientId }).rs256({
        scope: 'read:users',
      });
      await read(minted).expect(200);
    } finally {
      await app.close();
    }
  });
});
