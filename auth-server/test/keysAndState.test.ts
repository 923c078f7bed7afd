import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createStytchClient } from '@m2m/shared';
import { controlledClock, decodeJwt, startAuthFixture } from './fixtures';
import { startAuthServer } from '../src';
import { generateRsaSigningKey } from '../src/tokens/keyRing';
import { pooledSigningKeys } from '../../test/support/signingKeys';
import { tempDir } from '../../test/support/stack';

const tmpDir = () => tempDir('auth-server').dir;

describe('signing keys and persistent state', () => {
  it('keeps the project, clients and keys across a restart: a token issued before still verifies after', async () => {
    const databaseFile = path.join(tmpDir(), 'auth-server.db');
    const first = await startAuthFixture({ databaseFile });
    const { m2m_client: client } = await first.sdk.m2m.clients.create({ scopes: ['read:users'] });
    const { access_token } = await first.sdk.m2m.token({ client_id: client.client_id, client_secret: client.client_secret });
    const { projectId, projectSecret } = first.auth;
    await first.auth.close();
    expect(fs.statSync(databaseFile).mode & 0o777).toBe(0o600);

    // Same port: the issuer is the server's URL, which a restart keeps.
    const second = await startAuthFixture({ databaseFile, port: first.auth.port });
    try {
      expect([second.auth.projectId, second.auth.projectSecret, second.auth.projectGenerated]).toEqual([projectId, projectSecret, false]);
      // A fresh SDK client fetches the JWKS from the restarted server.
      await expect(second.sdk.m2m.authenticateToken({ access_token })).resolves.toMatchObject({ client_id: client.client_id });
      await expect(second.sdk.m2m.token({ client_id: client.client_id, client_secret: client.client_secret })).resolves.toHaveProperty(
        'access_token',
      );
    } finally {
      await second.auth.close();
    }
  });

  it('rotates the signing key: the pre-published next key signs, the old one stays published so its tokens keep verifying', async () => {
    const f = await startAuthFixture();
    try {
      const { m2m_client: client } = await f.sdk.m2m.clients.create({ scopes: ['read:users'] });
      const before = (await f.sdk.m2m.token({ client_id: client.client_id, client_secret: client.client_secret })).access_token;
      const oldKid = decodeJwt(before).header.kid;
      const published = async () =>
        (await f.http().get(`/v1/sessions/jwks/${f.auth.projectId}`)).body.keys.map((k: { kid: string }) => k.kid) as string[];
      const publishedBefore = await published();
      expect(publishedBefore).toHaveLength(2);
      // A verifier that has seen a token caches the JWKS (jose won't refetch it for 30 s).
      await expect(f.sdk.m2m.authenticateToken({ access_token: before })).resolves.toMatchObject({ client_id: client.client_id });

      const rotated = await f.http().post('/v1/local/signing-keys/rotate').set('Authorization', f.basic);
      expect(rotated.status).toBe(200);
      expect(rotated.body.retired_kid).toBe(oldKid);
      // The key that signs now was already in the JWKS before the rotation.
      expect(publishedBefore).toContain(rotated.body.kid);
      expect((await published()).sort()).toEqual([oldKid, rotated.body.kid, rotated.body.next_kid].sort());
      for (const key of (await f.http().get(`/v1/sessions/jwks/${f.auth.projectId}`)).body.keys) {
        expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
      }

      const after = (await f.sdk.m2m.token({ client_id: client.client_id, client_secret: client.client_secret })).access_token;
      expect(decodeJwt(after).header.kid).toBe(rotated.body.kid);
      // The same SDK client, its JWKS cached before the rotation, accepts the new key's token at once.
      await expect(f.sdk.m2m.authenticateToken({ access_token: after })).resolves.toMatchObject({ client_id: client.client_id });
      await expect(f.sdk.m2m.authenticateToken({ access_token: before })).resolves.toMatchObject({ client_id: client.client_id });
      expect((await f.http().post('/v1/local/signing-keys/rotate')).status).toBe(401);
    } finally {
      await f.auth.close();
    }
  });

  it('refuses to activate a next key published too recently (verifiers may not have it), unless forced', async () => {
    const clock = controlledClock();
    const f = await startAuthFixture({ now: clock.now });
    const rotate = (body: object = {}) => f.http().post('/v1/local/signing-keys/rotate').set('Authorization', f.basic).send(body);
    try {
      // The first next key was created with the first active key: every JWKS ever served holds it.
      expect((await rotate()).status).toBe(200);
      // The next key now was created by that rotation: a verifier that fetched before it lacks it.
      const tooSoon = await rotate();
      expect(tooSoon.status).toBe(409);
      expect(tooSoon.body).toMatchObject({ status_code: 409, error_type: 'next_signing_key_too_new' });
      expect(tooSoon.headers['retry-after']).toBe('60');
      // Retry-After repeated in the body: the SDK keeps only the body of an error.
      expect(tooSoon.body.retry_after_seconds).toBe(60);
      expect((await rotate({ force: 'yes' })).status).toBe(400);

      clock.advanceSeconds(59);
      expect((await rotate()).headers['retry-after']).toBe('1');
      clock.advanceSeconds(1);
      expect((await rotate()).status).toBe(200);
      const forced = await rotate({ force: true });
      expect(forced.status).toBe(200);
      expect(forced.body.kid).toEqual(expect.stringMatching(/^jwk-test-/));
    } finally {
      await f.auth.close();
    }
  });

  it('runs concurrent rotations one after the other: the second is refused, no unpublished key ever signs', async () => {
    // Keys that take as long as a prime search: the second request arrives while the first rotation
    // waits for its key (pre-generated keys come at once, and the two would never overlap).
    const pooled = pooledSigningKeys() ?? generateRsaSigningKey;
    const f = await startAuthFixture({ generateSigningKey: () => delay(200).then(pooled) });
    try {
      const published = (await f.http().get(`/v1/sessions/jwks/${f.auth.projectId}`)).body.keys.map(
        (k: { kid: string }) => k.kid,
      ) as string[];
      const answers = await Promise.all(
        [0, 1].map(() => f.http().post('/v1/local/signing-keys/rotate').set('Authorization', f.basic).send({})),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const rotated = answers.find((a) => a.status === 200)!;
      expect(published).toContain(rotated.body.kid);
    } finally {
      await f.auth.close();
    }
  });

  it('drops a retired key from the JWKS once every token it signed has expired', async () => {
    const clock = controlledClock();
    const f = await startAuthFixture({ tokenLifetimeSeconds: 60, now: clock.now });
    try {
      const rotated = await f.http().post('/v1/local/signing-keys/rotate').set('Authorization', f.basic);
      const retired = rotated.body.retired_kid as string;
      const published = async () =>
        (await f.http().get(`/v1/sessions/jwks/${f.auth.projectId}`)).body.keys.map((k: { kid: string }) => k.kid) as string[];
      expect(await published()).toContain(retired);
      // Lifetime 60 s plus a 60 s clock-skew allowance: published until both have passed.
      clock.advanceSeconds(119);
      expect(await published()).toContain(retired);
      clock.advanceSeconds(1);
      expect((await published()).sort()).toEqual([rotated.body.kid, rotated.body.next_kid].sort());
    } finally {
      await f.auth.close();
    }
  });

  it('revokes the previous key with {"force": true, "revoke_previous": true}: gone from the JWKS and the database at once', async () => {
    const databaseFile = path.join(tmpDir(), 'auth-server.db');
    const f = await startAuthFixture({ databaseFile });
    try {
      const { m2m_client: client } = await f.sdk.m2m.clients.create({ scopes: ['read:users'] });
      const before = (await f.sdk.m2m.token({ client_id: client.client_id, client_secret: client.client_secret })).access_token;
      const published = async () =>
        (await f.http().get(`/v1/sessions/jwks/${f.auth.projectId}`)).body.keys.map((k: { kid: string }) => k.kid) as string[];
      const rotate = (body: object) => f.http().post('/v1/local/signing-keys/rotate').set('Authorization', f.basic).send(body);
      expect((await rotate({ force: true, revoke_previous: 'yes' })).status).toBe(400);

      const revoked = await rotate({ force: true, revoke_previous: true });
      expect(revoked.status).toBe(200);
      expect(revoked.body.retired_kid).toBe(decodeJwt(before).header.kid);
      expect((await published()).sort()).toEqual([revoked.body.kid, revoked.body.next_kid].sort());
      expect(revoked.body.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([revoked.body.kid, revoked.body.next_kid].sort());
      // The private half is deleted too: nothing left to steal, and a restart does not bring it back.
      const db = new Database(databaseFile, { readonly: true });
      try {
        expect(
          db
            .prepare('SELECT kid FROM signing_keys')
            .all()
            .map((row) => (row as { kid: string }).kid)
            .sort(),
        ).toEqual([revoked.body.kid, revoked.body.next_kid].sort());
      } finally {
        db.close();
      }

      // A verifier that never saw the old key refuses its tokens; the new key's tokens verify.
      const fresh = createStytchClient({ projectId: f.auth.projectId, secret: f.auth.projectSecret, baseUrl: f.auth.url });
      await expect(fresh.m2m.authenticateToken({ access_token: before })).rejects.toMatchObject({ code: 'jwt_invalid' });
      const after = (await f.sdk.m2m.token({ client_id: client.client_id, client_secret: client.client_secret })).access_token;
      await expect(fresh.m2m.authenticateToken({ access_token: after })).resolves.toMatchObject({ client_id: client.client_id });
    } finally {
      await f.auth.close();
    }
  });

  it('keeps the previous key published after a rotation without revoke_previous (the default)', async () => {
    const f = await startAuthFixture();
    try {
      const rotated = await f
        .http()
        .post('/v1/local/signing-keys/rotate')
        .set('Authorization', f.basic)
        .send({ force: true, revoke_previous: false });
      expect(rotated.status).toBe(200);
      const kids = (await f.http().get(`/v1/sessions/jwks/${f.auth.projectId}`)).body.keys.map((k: { kid: string }) => k.kid) as string[];
      expect(kids).toContain(rotated.body.retired_kid);
    } finally {
      await f.auth.close();
    }
  });

  it('publishes discovery metadata consistent with the tokens, so a generic verifier (jose) accepts them', async () => {
    const f = await startAuthFixture();
    try {
      for (const doc of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
        const res = await f.http().get(doc);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          issuer: f.auth.issuer,
          authorization_endpoint: `${f.auth.issuer}/v1/public/${f.auth.projectId}/oauth2/authorize`,
          token_endpoint: `${f.auth.issuer}/v1/public/${f.auth.projectId}/oauth2/token`,
          jwks_uri: `${f.auth.issuer}/v1/sessions/jwks/${f.auth.projectId}`,
          grant_types_supported: ['client_credentials'],
          token_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
          response_types_supported: expect.any(Array),
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      const metadata = (await f.http().get('/.well-known/oauth-authorization-server')).body;
      const { m2m_client: client } = await f.sdk.m2m.clients.create({ scopes: ['read:users'] });
      // A generic OAuth client: token endpoint from discovery, client_secret_basic.
      const tokenRes = await fetch(metadata.token_endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      });
      const { access_token } = (await tokenRes.json()) as { access_token: string };
      const { payload } = await jwtVerify(access_token, createRemoteJWKSet(new URL(metadata.jwks_uri)), {
        issuer: metadata.issuer,
        audience: f.auth.projectId,
        algorithms: ['RS256'],
      });
      expect(payload.sub).toBe(client.client_id);

      // The authorization endpoint MCP clients require in the metadata exists, and refuses every flow.
      const authorize = await fetch(`${metadata.authorization_endpoint}?response_type=code&client_id=${client.client_id}`);
      expect(authorize.status).toBe(400);
      expect(await authorize.json()).toMatchObject({
        error: 'unsupported_response_type',
        error_description: expect.stringMatching(/client credentials only/),
      });
    } finally {
      await f.auth.close();
    }
  });

  it('refuses to start on a corrupt database and leaves the file untouched', async () => {
    const databaseFile = path.join(tmpDir(), 'auth-server.db');
    const garbage = Buffer.from('this is not a sqlite database '.repeat(200));
    fs.writeFileSync(databaseFile, garbage);
    await expect(startAuthServer({ port: 0, databaseFile })).rejects.toMatchObject({
      name: 'DatabaseError',
      message: expect.stringContaining(databaseFile),
    });
    expect(fs.readFileSync(databaseFile).equals(garbage)).toBe(true);
  });

  it('serves given project credentials, and refuses a database that belongs to another project', async () => {
    const databaseFile = path.join(tmpDir(), 'auth-server.db');
    const projectId = 'project-test-11111111-2222-3333-4444-555555555555';
    const projectSecret = 'secret-test-Qm9vZ2llLXdvb2dpZS1zZWNyZXQtdmFsdWU';
    const f = await startAuthFixture({ databaseFile, projectId, projectSecret });
    expect([f.auth.projectId, f.auth.projectSecret]).toEqual([projectId, projectSecret]);
    await expect(f.sdk.m2m.clients.search({})).resolves.toHaveProperty('m2m_clients');
    await f.auth.close();
    await expect(startAuthServer({ port: 0, databaseFile, projectId: 'project-test-other', projectSecret })).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining('STYTCH_PROJECT_ID'),
    });
    await expect(startAuthServer({ port: 0, databaseFile, projectId, projectSecret: 'short' })).rejects.toMatchObject({
      name: 'ConfigError',
    });
  });
});
