import path from 'node:path';
import { accessToken, closeAll, createM2MClient, sdk, startAuth, tempDir } from '../../test/support/stack';
import { HostileTokens, readActiveSigningKey } from '../../test/support/hostileTokens';
import { basic, request } from '../../test/support/http';
import { controlledClock } from '../../test/support/clock';
import type { RunningAuthServer } from '../src';

/** The local API the console's pages call (here with project Basic; the console calls the same routes under /console/api). */
describe('the local API behind the console: signing keys, claims preview, token inspection', () => {
  const clock = controlledClock();
  const dir = tempDir('console-api');
  const databaseFile = path.join(dir.dir, 'auth.db');
  let auth: RunningAuthServer;
  const local = (method: string, path: string, json?: unknown) =>
    request(method, `${auth.url}v1/local${path}`, {
      headers: { authorization: basic(auth.projectId, auth.projectSecret) },
      ...(json !== undefined && { json }),
    });
  beforeAll(async () => {
    auth = await startAuth({ now: clock.now, tokenLifetimeSeconds: 600, databaseFile });
  });
  afterAll(async () => {
    await closeAll(auth);
    dir.remove();
  });

  it('lists the signing keys: current, next (and from when it may sign), retiring (until when it stays published)', async () => {
    const before = (await local('GET', '/signing-keys')).body.signing_keys;
    expect(before.map((k: { state: string }) => k.state)).toEqual(['current', 'next']);
    const rotated = await local('POST', '/signing-keys/rotate', {});
    expect(rotated.status).toBe(200);
    const after = (await local('GET', '/signing-keys')).body.signing_keys;
    const now = clock.nowSeconds();
    expect(after).toEqual([
      expect.objectContaining({ kid: rotated.body.kid, state: 'current', activated_at: now, published_until: null }),
      expect.objectContaining({ kid: rotated.body.next_kid, state: 'next', activatable_at: now + 60 }),
      // Published until its last token (600 s) has expired, plus 60 s of clock skew.
      expect.objectContaining({ kid: rotated.body.retired_kid, state: 'retiring', retired_at: now, published_until: now + 660 }),
    ]);
    expect((await local('POST', '/signing-keys', {})).status).toBe(405);
  });

  it('previews the claims a client would get, with the stored template or a draft one, and never stores the draft', async () => {
    const admin = sdk(auth);
    const { m2m_client: client } = await admin.m2m.clients.create({
      client_name: 'gold',
      scopes: ['read:users'],
      trusted_metadata: { tier: 'gold' },
    });
    expect((await local('PUT', '/m2m/custom-claims-template', { tier: '{{ client.trusted_metadata.tier }}' })).status).toBe(200);

    const stored = await local('POST', '/m2m/custom-claims-preview', { client_id: client.client_id });
    expect(stored.status).toBe(200);
    expect(stored.body.claims).toMatchObject({
      tier: 'gold',
      sub: client.client_id,
      aud: [auth.projectId],
      scope: 'read:users',
      exp: clock.nowSeconds() + 600,
    });
    const draft = await local('POST', '/m2m/custom-claims-preview', {
      client_id: client.client_id,
      template: { user: '{{ request.user_id }}' },
      request: { user_id: 'u-42' },
    });
    expect(draft.body.claims).toMatchObject({ user: 'u-42' });
    expect(draft.body.claims).not.toHaveProperty('tier');
    expect((await local('GET', '/m2m/custom-claims-template')).body.custom_claims_template).toEqual({
      tier: '{{ client.trusted_metadata.tier }}',
    });

    // And what the preview says is what a token carries.
    const secret = client.client_secret;
    const token = await accessToken(admin, { clientId: client.client_id, clientSecret: secret });
    const inspected = await local('POST', '/tokens/inspect', { token });
    expect(inspected.body.claims.tier).toBe('gold');

    const unknown = await local('POST', '/m2m/custom-claims-preview', { client_id: 'm2m-client-test-nobody' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_type).toBe('m2m_client_not_found');
    const badTemplate = await local('POST', '/m2m/custom-claims-preview', { client_id: client.client_id, template: { sub: 'me' } });
    expect(badTemplate.status).toBe(400);
    expect(badTemplate.body.error_type).toBe('invalid_custom_claims_template');
    expect((await local('PUT', '/m2m/custom-claims-template', {})).status).toBe(200);
  });

  it('inspects a token: header, claims, a valid signature from the JWKS, and the time left', async () => {
    const admin = sdk(auth);
    const credentials = await createM2MClient(admin, ['read:users']);
    const token = await accessToken(admin, credentials);
    const answer = await local('POST', '/tokens/inspect', { token });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      header: { alg: 'RS256', typ: 'JWT', kid: expect.stringMatching(/^jwk-test-/) },
      claims: { sub: credentials.clientId, scope: 'read:users' },
      signature: { valid: true },
      expiry: { expired: false, seconds_left: 600 },
      issuer_matches: true,
      audience_matches: true,
    });

    clock.advanceSeconds(601);
    const expired = await local('POST', '/tokens/inspect', { token });
    expect(expired.body.expiry).toMatchObject({ expired: true, seconds_left: 0 });
    expect(expired.body.signature.valid).toBe(true);
  });

  it('says INVALID for a tampered token, a key the JWKS lacks, another algorithm, alg none, and a revoked key', async () => {
    const admin = sdk(auth);
    const credentials = await createM2MClient(admin, ['read:users', 'write:wallets']);
    const token = await accessToken(admin, credentials, ['read:users']);
    const hostile = new HostileTokens({
      key: readActiveSigningKey(databaseFile),
      issuer: auth.issuer,
      projectId: auth.projectId,
      clientId: credentials.clientId,
    });
    const inspect = async (t: string) => {
      const answer = await local('POST', '/tokens/inspect', { token: t });
      expect(answer.status).toBe(200);
      return answer.body.signature;
    };

    // The real token with its scope widened: the signature no longer matches.
    const [header, claims = '', signature] = token.split('.');
    const widened = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(claims, 'base64url').toString()), scope: 'read:users write:wallets' }),
    );
    expect(await inspect(`${header}.${widened.toString('base64url')}.${signature}`)).toMatchObject({
      valid: false,
      detail: expect.stringMatching(/does not match/),
    });
    expect(await inspect(hostile.byUnknownKey())).toMatchObject({ valid: false, detail: expect.stringMatching(/does not match/) });
    expect(await inspect(hostile.byUnknownKey({ header: { kid: 'kid-from-elsewhere' } }))).toMatchObject({
      valid: false,
      kid: 'kid-from-elsewhere',
      detail: expect.stringMatching(/no key with this kid/),
    });
    expect(await inspect(hostile.realKeyWith('RS512'))).toMatchObject({ valid: false, detail: expect.stringMatching(/not RS256/) });
    expect(await inspect(hostile.algNone())).toMatchObject({ valid: false, detail: expect.stringMatching(/not RS256/) });
    expect(await inspect(hostile.rs256())).toMatchObject({ valid: true });

    const rotated = await local('POST', '/signing-keys/rotate', { force: true, revoke_previous: true });
    expect(rotated.status).toBe(200);
    expect(await inspect(token)).toMatchObject({ valid: false, detail: expect.stringMatching(/no key with this kid/) });
  });

  it.each([
    ['not a jwt', /three base64url parts/],
    ['a.b.c', /not JSON/],
    ['e30.W10.c2ln', /claims is not a JSON object/],
    ['e30.e30.!!', /not base64url/],
  ])('answers the malformed %j with 400 malformed_token', async (token, message) => {
    const answer = await local('POST', '/tokens/inspect', { token });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error_type: 'malformed_token', error_message: expect.stringMatching(message) });
  });

  it('refuses a missing or oversized token field by name (400), and is only for the project (401)', async () => {
    expect((await local('POST', '/tokens/inspect', {})).body.error_message).toMatch(/token/);
    expect((await local('POST', '/tokens/inspect', { token: 'x'.repeat(20_000) })).status).toBe(400);
    expect((await request('POST', `${auth.url}v1/local/tokens/inspect`, { json: { token: 'a.b.c' } })).status).toBe(401);
  });
});
