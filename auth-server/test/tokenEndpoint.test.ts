import { createLogger } from '@m2m/shared';
import { eventually } from '../../test/support/eventually';
import { controlledClock, decodeJwt, startAuthFixture, tokenPath, type AuthFixture } from './fixtures';

describe('token endpoint (OAuth 2.0 client credentials)', () => {
  let f: AuthFixture;
  let client: { client_id: string; client_secret: string };

  beforeAll(async () => {
    f = await startAuthFixture({ rateLimit: { perClientPerMinute: 1000, perIpPerMinute: 1000 } });
    ({ m2m_client: client } = await f.sdk.m2m.clients.create({ scopes: ['read:users', 'write:wallets'], client_name: 'payment-service' }));
  });
  afterAll(() => f.auth.close());

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  it('issues an RS256 JWT with exactly the specified header and claims, and no-store caching', async () => {
    const res = await f
      .http()
      .post(tokenPath(f.auth))
      .type('form')
      .send(form({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret }));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 3600, status_code: 200 });
    expect(res.body.request_id).toMatch(/^request-id-test-/);
    const { header, payload } = decodeJwt(res.body.access_token);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: expect.stringMatching(/^jwk-test-/) });
    expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'scope', 'sub']);
    expect(payload).toMatchObject({
      sub: client.client_id,
      iss: f.auth.issuer,
      aud: [f.auth.projectId],
      scope: 'read:users write:wallets',
    });
    expect(payload.exp).toBe((payload.iat as number) + 3600);
    expect(payload.nbf).toBe(payload.iat);
  });

  it('accepts JSON bodies and client_secret_basic with form-encoded credentials', async () => {
    const json = await f
      .http()
      .post(tokenPath(f.auth))
      .send({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, scopes: ['read:users'] });
    expect(json.status).toBe(200);
    expect(decodeJwt(json.body.access_token).payload.scope).toBe('read:users');

    const basic = Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64');
    const viaHeader = await f
      .http()
      .post(tokenPath(f.auth))
      .set('Authorization', `Basic ${basic}`)
      .type('form')
      .send(form({ grant_type: 'client_credentials', scope: 'write:wallets' }));
    expect(viaHeader.status).toBe(200);
    expect(decodeJwt(viaHeader.body.access_token).payload.scope).toBe('write:wallets');
  });

  it('narrows scopes and refuses a scope the client does not have', async () => {
    const narrowed = await f.sdk.m2m.token({ client_id: client.client_id, client_secret: client.client_secret, scopes: ['write:wallets'] });
    expect(decodeJwt(narrowed.access_token).payload.scope).toBe('write:wallets');
    const res = await f
      .http()
      .post(tokenPath(f.auth))
      .type('form')
      .send(
        form({
          grant_type: 'client_credentials',
          client_id: client.client_id,
          client_secret: client.client_secret,
          scope: 'read:users admin:all',
        }),
      );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status_code: 400, error: 'invalid_scope' });
    expect(res.body.error_description).toContain('admin:all');
  });

  it('answers RFC 6749 error codes for grant problems', async () => {
    const missing = await f
      .http()
      .post(tokenPath(f.auth))
      .type('form')
      .send(form({ client_id: client.client_id, client_secret: client.client_secret }));
    expect([missing.status, missing.body.error]).toEqual([400, 'invalid_request']);
    const wrong = await f
      .http()
      .post(tokenPath(f.auth))
      .type('form')
      .send(form({ grant_type: 'password', client_id: client.client_id, client_secret: client.client_secret }));
    expect([wrong.status, wrong.body.error]).toEqual([400, 'unsupported_grant_type']);
    const both = await f
      .http()
      .post(tokenPath(f.auth))
      .set('Authorization', `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`)
      .type('form')
      .send(form({ grant_type: 'client_credentials', client_secret: client.client_secret }));
    expect([both.status, both.body.error]).toEqual([400, 'invalid_request']);
    const repeated = await f
      .http()
      .post(tokenPath(f.auth))
      .send({ grant_type: ['client_credentials', 'x'], client_id: client.client_id, client_secret: client.client_secret });
    expect([repeated.status, repeated.body.error]).toEqual([400, 'invalid_request']);
  });

  it('gives the same invalid_client answer for an unknown client, a wrong secret and an inactive client', async () => {
    const { m2m_client: inactive } = await f.sdk.m2m.clients.create({ scopes: ['read:users'] });
    await f.sdk.m2m.clients.update({ client_id: inactive.client_id, status: 'inactive' });
    const attempts = [
      { client_id: 'm2m-client-test-nobody', client_secret: client.client_secret },
      { client_id: client.client_id, client_secret: `${client.client_secret}x` },
      { client_id: inactive.client_id, client_secret: inactive.client_secret },
    ];
    const descriptions = new Set<string>();
    for (const attempt of attempts) {
      const res = await f
        .http()
        .post(tokenPath(f.auth))
        .type('form')
        .send(form({ grant_type: 'client_credentials', ...attempt }));
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      descriptions.add(res.body.error_description);
    }
    expect(descriptions.size).toBe(1);
    // And the SDK surfaces it as a StytchError with Stytch's fields.
    await expect(f.sdk.m2m.token({ client_id: client.client_id, client_secret: 'wrong-secret-123' })).rejects.toMatchObject({
      status_code: 401,
      error_type: 'invalid_client',
    });
  });

  it('asks for client authentication with a Basic challenge when none was sent', async () => {
    const res = await f
      .http()
      .post(tokenPath(f.auth))
      .type('form')
      .send(form({ grant_type: 'client_credentials' }));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.headers['www-authenticate']).toBe('Basic realm="oauth2"');
  });

  it('answers malformed JSON, wrong methods and unknown projects in JSON', async () => {
    const malformed = await f.http().post(tokenPath(f.auth)).set('Content-Type', 'application/json').send('{"grant_type":');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ status_code: 400, error: 'invalid_request' });
    const get = await f.http().get(tokenPath(f.auth));
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(get.body.error_type).toBe('method_not_allowed');
    const otherProject = await f
      .http()
      .post('/v1/public/project-test-other/oauth2/token')
      .type('form')
      .send(form({ grant_type: 'client_credentials' }));
    expect(otherProject.status).toBe(404);
    expect(otherProject.body.error_type).toBe('project_not_found');
    const tooLarge = await f
      .http()
      .post(tokenPath(f.auth))
      .type('form')
      .send(form({ grant_type: 'client_credentials', pad: 'x'.repeat(20_000) }));
    expect(tooLarge.status).toBe(413);
  });
});

describe('token endpoint brute-force protection', () => {
  let f: AuthFixture;
  beforeAll(async () => {
    f = await startAuthFixture({ rateLimit: { perClientPerMinute: 3, perIpPerMinute: 100 } });
  });
  afterAll(() => f.auth.close());

  it('answers 429 with Retry-After after repeated wrong secrets for one client, even with the right secret', async () => {
    const { m2m_client: client } = await f.sdk.m2m.clients.create({ scopes: ['read:users'] });
    const attempt = (secret: string) =>
      f
        .http()
        .post(tokenPath(f.auth))
        .type('form')
        .send(new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: secret }).toString());
    for (let i = 0; i < 3; i++) expect((await attempt(`guess-${i}-abcdefgh`)).status).toBe(401);
    const limited = await attempt(client.client_secret);
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('too_many_requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('lifts the limit when the one-minute window has passed', async () => {
    const clock = controlledClock();
    const limited = await startAuthFixture({ rateLimit: { perClientPerMinute: 2, perIpPerMinute: 100 }, now: clock.now });
    try {
      const { m2m_client: client } = await limited.sdk.m2m.clients.create({ scopes: ['read:users'] });
      const attempt = (secret: string) =>
        limited
          .http()
          .post(tokenPath(limited.auth))
          .type('form')
          .send(new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: secret }).toString());
      for (let i = 0; i < 2; i++) expect((await attempt(`guess-${i}-abcdefgh`)).status).toBe(401);
      clock.advanceSeconds(59);
      const waiting = await attempt(client.client_secret);
      expect([waiting.status, waiting.headers['retry-after'], waiting.body.retry_after_seconds]).toEqual([429, '1', 1]);
      clock.advanceSeconds(1);
      expect((await attempt(client.client_secret)).status).toBe(200);
    } finally {
      await limited.auth.close();
    }
  });

  it('does not count successful requests', async () => {
    const { m2m_client: client } = await f.sdk.m2m.clients.create({ scopes: ['read:users'] });
    for (let i = 0; i < 10; i++) {
      const { access_token } = await f.sdk.m2m.token({ client_id: client.client_id, client_secret: client.client_secret });
      expect(access_token).toBeTruthy();
    }
  });
});

describe('token lifetime and custom claims', () => {
  it('uses the configured lifetime and renders the project template from trusted metadata and request parameters', async () => {
    const f = await startAuthFixture({
      tokenLifetimeSeconds: 120,
      customClaimsTemplate: {
        tier: '{{ client.trusted_metadata.tier }}',
        user: '{{ request.user_id }}',
        gone: '{{ client.trusted_metadata.missing }}',
        fixed: 'v1',
      },
    });
    try {
      const { m2m_client: client } = await f.sdk.m2m.clients.create({ scopes: ['read:users'], trusted_metadata: { tier: 'gold' } });
      const res = await f
        .http()
        .post(tokenPath(f.auth))
        .send({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, user_id: 'u-42' });
      expect(res.status).toBe(200);
      expect(res.body.expires_in).toBe(120);
      const { payload } = decodeJwt(res.body.access_token);
      expect(payload).toMatchObject({ tier: 'gold', user: 'u-42', fixed: 'v1' });
      expect(payload).not.toHaveProperty('gone');
      expect(payload.exp).toBe((payload.iat as number) + 120);
      const verified = await f.sdk.m2m.authenticateToken({ access_token: res.body.access_token });
      expect(verified.custom_claims).toMatchObject({ tier: 'gold', user: 'u-42', fixed: 'v1' });

      // Settable by an endpoint too; registered claims are refused.
      const put = await f
        .http()
        .put('/v1/local/m2m/custom-claims-template')
        .set('Authorization', f.basic)
        .send({ plan: '{{ client.trusted_metadata.tier }}' });
      expect(put.status).toBe(200);
      const next = await f.sdk.m2m.token({ client_id: client.client_id, client_secret: client.client_secret });
      expect(decodeJwt(next.access_token).payload).toMatchObject({ plan: 'gold' });
      expect(decodeJwt(next.access_token).payload).not.toHaveProperty('tier');
      const bad = await f.http().put('/v1/local/m2m/custom-claims-template').set('Authorization', f.basic).send({ sub: 'me' });
      expect(bad.status).toBe(400);
      expect(bad.body.error_type).toBe('invalid_custom_claims_template');
    } finally {
      await f.auth.close();
    }
  });
});

describe('token endpoint logging at the default level (info)', () => {
  it('writes one access line per token, naming the client, scopes, status and request id, never the secret or the token', async () => {
    const lines: string[] = [];
    const logger = createLogger({ name: 'auth-server', level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const f = await startAuthFixture({ logger });
    // The access line is written when the response has finished, which may be just after the client has read it.
    const logged = (check: () => void) =>
      eventually(() => {
        check();
        return Promise.resolve();
      });
    try {
      const { m2m_client: client } = await f.sdk.m2m.clients.create({ scopes: ['read:users', 'write:wallets'] });
      await logged(() => expect(lines).toHaveLength(1));
      lines.length = 0;

      const res = await f
        .http()
        .post(tokenPath(f.auth))
        .set('X-Request-Id', 'checkout-token-1')
        .type('form')
        .send(
          new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: client.client_id,
            client_secret: client.client_secret,
            scope: 'read:users',
          }).toString(),
        );
      expect(res.status).toBe(200);
      await logged(() => expect(lines.length).toBeGreaterThan(0));
      // Whatever else might still arrive has had its chance: the response is long finished.
      await new Promise((resolve) => setImmediate(resolve));
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]!) as Record<string, unknown>;
      expect(line).toMatchObject({
        level: 30,
        client_id: client.client_id,
        scopes: ['read:users'],
        req: { id: 'checkout-token-1', method: 'POST', path: tokenPath(f.auth) },
        res: { statusCode: 200 },
      });
      expect(lines[0]).not.toContain(client.client_secret);
      expect(lines[0]).not.toContain(res.body.access_token);

      // A refusal names the client it was for, on its warning lines.
      lines.length = 0;
      const refused = await f
        .http()
        .post(tokenPath(f.auth))
        .type('form')
        .send(
          new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: client.client_id,
            client_secret: 'wrong-secret-123',
          }).toString(),
        );
      expect(refused.status).toBe(401);
      await logged(() => expect(lines).toHaveLength(2));
      const refusal = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(refusal.map((l) => [l.level, l.client_id])).toEqual([
        [40, client.client_id],
        [40, client.client_id],
      ]);
      expect(refusal.at(-1)).toMatchObject({ res: { statusCode: 401 } });
      expect(lines.join('\n')).not.toContain('wrong-secret-123');
    } finally {
      await f.auth.close();
    }
  });
});
