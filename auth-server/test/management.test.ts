import { startAuthFixture, tokenPath, type AuthFixture } from './fixtures';

describe('M2M client management API', () => {
  let f: AuthFixture;
  beforeAll(async () => {
    f = await startAuthFixture({ rateLimit: { perClientPerMinute: 10, perIpPerMinute: 1000 } });
  });
  afterAll(() => f.auth.close());

  it('refuses ids that are not one URL path segment (".", "..", "/", "%"...), and every id it takes round-trips through the SDK', async () => {
    for (const client_id of ['.', '..', 'a/b', '50%', 'a b', 'a?b', 'a#b', '', 'x'.repeat(129)]) {
      const res = await f
        .http()
        .post('/v1/m2m/clients')
        .set('Authorization', f.basic)
        .send({ scopes: ['read:users'], client_id });
      expect({ client_id, status: res.status, type: res.body.error_type }).toEqual({ client_id, status: 400, type: 'invalid_request' });
    }
    for (const client_id of ['...', '.hidden', 'a.b', '~a_b-c.', 'Z9']) {
      await f.sdk.m2m.clients.create({ scopes: ['read:users'], client_id });
      expect((await f.sdk.m2m.clients.get({ client_id })).m2m_client.client_id).toBe(client_id);
      expect((await f.sdk.m2m.clients.update({ client_id, client_name: 'reachable' })).m2m_client.client_name).toBe('reachable');
      await f.sdk.m2m.clients.delete({ client_id });
      await expect(f.sdk.m2m.clients.get({ client_id })).rejects.toMatchObject({ status_code: 404 });
    }
  });

  it('rotate/start during a rotation is refused (409) and keeps the pending next secret; after cancel a new one starts', async () => {
    const { m2m_client: client } = await f.sdk.m2m.clients.create({ scopes: ['read:users'] });
    const { m2m_client: started } = await f.sdk.m2m.clients.secrets.rotateStart({ client_id: client.client_id });
    const again = await f.http().post(`/v1/m2m/clients/${client.client_id}/secrets/rotate/start`).set('Authorization', f.basic).send({});
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      status_code: 409,
      error_type: 'm2m_client_secret_rotation_in_progress',
      error_message: expect.stringMatching(/rotate\/cancel/),
    });
    expect(again.body).not.toHaveProperty('m2m_client');
    // Whoever stored the first next secret can still use it, and complete with it.
    expect((await f.sdk.m2m.token({ client_id: client.client_id, client_secret: started.next_client_secret })).access_token).toBeTruthy();
    await f.sdk.m2m.clients.secrets.rotateCancel({ client_id: client.client_id });
    const { m2m_client: restarted } = await f.sdk.m2m.clients.secrets.rotateStart({ client_id: client.client_id });
    expect(restarted.next_client_secret).not.toBe(started.next_client_secret);
  });

  it('creates, gets, updates and deletes a client through the real SDK, never showing a secret again', async () => {
    const created = await f.sdk.m2m.clients.create({
      scopes: ['read:users'],
      client_name: 'crud',
      client_description: 'd',
      trusted_metadata: { team: 'a' },
    });
    expect(created.m2m_client).toMatchObject({
      client_id: expect.stringMatching(/^m2m-client-test-/),
      client_name: 'crud',
      status: 'active',
      scopes: ['read:users'],
      next_client_secret_last_four: null,
      trusted_metadata: { team: 'a' },
    });
    const secret = created.m2m_client.client_secret;
    // 32 random bytes, base64url: 256 bits.
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.m2m_client.client_secret_last_four).toBe(secret.slice(-4));

    const got = await f.sdk.m2m.clients.get({ client_id: created.m2m_client.client_id });
    expect(got.m2m_client).not.toHaveProperty('client_secret');
    expect(JSON.stringify(got)).not.toContain(secret);

    const updated = await f.sdk.m2m.clients.update({
      client_id: created.m2m_client.client_id,
      client_name: 'renamed',
      scopes: ['read:users', 'write:wallets'],
      status: 'inactive',
    });
    expect(updated.m2m_client).toMatchObject({
      client_name: 'renamed',
      client_description: 'd',
      scopes: ['read:users', 'write:wallets'],
      status: 'inactive',
    });

    const deleted = await f.sdk.m2m.clients.delete({ client_id: created.m2m_client.client_id });
    expect(deleted.client_id).toBe(created.m2m_client.client_id);
    await expect(f.sdk.m2m.clients.get({ client_id: created.m2m_client.client_id })).rejects.toMatchObject({
      status_code: 404,
      error_type: 'm2m_client_not_found',
    });
    await expect(f.sdk.m2m.clients.delete({ client_id: created.m2m_client.client_id })).rejects.toMatchObject({ status_code: 404 });
  });

  it('accepts a provided client_id and strong secret, and refuses duplicates and weak secrets', async () => {
    const id = 'm2m-client-test-imported-1';
    const created = await f.sdk.m2m.clients.create({ client_id: id, client_secret: 'Xk9#mQ2v-Lp7@Zr4', scopes: ['read:users'] });
    expect(created.m2m_client.client_id).toBe(id);
    const token = await f.sdk.m2m.token({ client_id: id, client_secret: 'Xk9#mQ2v-Lp7@Zr4' });
    expect(token.access_token).toBeTruthy();
    await expect(f.sdk.m2m.clients.create({ client_id: id, scopes: [] })).rejects.toMatchObject({
      status_code: 400,
      error_type: 'm2m_client_id_already_exists',
    });
    for (const weak of ['short', 'aaaaaaaaaaaaaaaa', '12121212']) {
      await expect(f.sdk.m2m.clients.create({ client_secret: weak, scopes: [] })).rejects.toMatchObject({
        status_code: 400,
        error_type: 'invalid_client_secret',
      });
    }
  });

  it('rotates secrets: both work after start, cancel discards the next one, complete retires the old one', async () => {
    const { m2m_client: c } = await f.sdk.m2m.clients.create({ scopes: ['read:users'] });
    const token = (secret: string) => f.sdk.m2m.token({ client_id: c.client_id, client_secret: secret });

    const started = await f.sdk.m2m.clients.secrets.rotateStart({ client_id: c.client_id });
    const next = started.m2m_client.next_client_secret;
    expect(started.m2m_client.next_client_secret_last_four).toBe(next.slice(-4));
    await expect(token(c.client_secret)).resolves.toHaveProperty('access_token');
    await expect(token(next)).resolves.toHaveProperty('access_token');

    const cancelled = await f.sdk.m2m.clients.secrets.rotateCancel({ client_id: c.client_id });
    expect(cancelled.m2m_client.next_client_secret_last_four).toBeNull();
    await expect(token(next)).rejects.toMatchObject({ status_code: 401 });
    await expect(f.sdk.m2m.clients.secrets.rotate({ client_id: c.client_id })).rejects.toMatchObject({ status_code: 400 });

    const again = (await f.sdk.m2m.clients.secrets.rotateStart({ client_id: c.client_id })).m2m_client.next_client_secret;
    const rotated = await f.sdk.m2m.clients.secrets.rotate({ client_id: c.client_id });
    expect(rotated.m2m_client.client_secret_last_four).toBe(again.slice(-4));
    await expect(token(again)).resolves.toHaveProperty('access_token');
    await expect(token(c.client_secret)).rejects.toMatchObject({ status_code: 401 });
  });

  it('searches with AND / OR over client_id, client_name and scopes, with cursor pagination', async () => {
    const make = (name: string, scopes: string[]) =>
      f.sdk.m2m.clients.create({ client_name: name, scopes }).then((r) => r.m2m_client.client_id);
    const a = await make('search-a', ['s:one']);
    const b = await make('search-b', ['s:one', 's:two']);
    const c = await make('search-c', ['s:two']);
    const ids = (r: { m2m_clients: { client_id: string }[] }) => r.m2m_clients.map((x) => x.client_id).sort();

    const and = await f.sdk.m2m.clients.search({
      query: {
        operator: 'AND',
        operands: [
          { filter_name: 'scopes', filter_value: ['s:one'] },
          { filter_name: 'scopes', filter_value: ['s:two'] },
        ],
      },
    });
    expect(ids(and)).toEqual([b]);
    const or = await f.sdk.m2m.clients.search({
      query: {
        operator: 'OR',
        operands: [
          { filter_name: 'client_name', filter_value: ['search-a'] },
          { filter_name: 'client_id', filter_value: [c] },
        ],
      },
    });
    expect(ids(or)).toEqual([a, c].sort());

    const seen: string[] = [];
    let cursor: string | undefined;
    const query = { operator: 'OR' as const, operands: [{ filter_name: 'scopes' as const, filter_value: ['s:one', 's:two'] }] };
    do {
      const page = await f.sdk.m2m.clients.search({ limit: 2, query, ...(cursor && { cursor }) });
      expect(page.results_metadata.total).toBe(3);
      seen.push(...page.m2m_clients.map((x) => x.client_id));
      cursor = page.results_metadata.next_cursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual([a, b, c].sort());

    await expect(f.sdk.m2m.clients.search({ limit: 1001 })).rejects.toMatchObject({ status_code: 400 });
    await expect(f.sdk.m2m.clients.search({ cursor: 'not-a-cursor' })).rejects.toMatchObject({
      status_code: 400,
      error_type: 'invalid_cursor',
    });
  });

  it('defaults the search limit to 100', async () => {
    for (let i = 0; i < 101; i++) await f.sdk.m2m.clients.create({ client_name: 'bulk', scopes: [] });
    const page = await f.sdk.m2m.clients.search({
      query: { operator: 'AND', operands: [{ filter_name: 'client_name', filter_value: ['bulk'] }] },
    });
    expect(page.m2m_clients).toHaveLength(100);
    expect(page.results_metadata.total).toBe(101);
    expect(page.results_metadata.next_cursor).toEqual(expect.any(String));
  });

  it('answers bad bodies with a field-level 400 in Stytch shape, and keeps state unchanged', async () => {
    const before = await f.sdk.m2m.clients.search({});
    const cases: [string, unknown][] = [
      ['scopes', { client_name: 'no scopes' }],
      ['scopes', { scopes: 'read:users' }],
      ['status', { scopes: [], status: 'deleted' }],
    ];
    for (const [field, body] of cases) {
      const res = await f
        .http()
        .post('/v1/m2m/clients')
        .set('Authorization', f.basic)
        .send(body as object);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        status_code: 400,
        error_type: 'invalid_request',
        error_url: expect.any(String),
        request_id: expect.any(String),
      });
      expect(res.body.error_message).toContain(field === 'status' ? 'status' : 'scopes');
    }
    const update = await f
      .http()
      .put(`/v1/m2m/clients/${before.m2m_clients[0]!.client_id}`)
      .set('Authorization', f.basic)
      .send({ status: 'deleted' });
    expect(update.status).toBe(400);
    expect(update.body.error_message).toContain('status');
    const malformed = await f
      .http()
      .post('/v1/m2m/clients')
      .set('Authorization', f.basic)
      .set('Content-Type', 'application/json')
      .send('{"scopes": [');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error_type).toBe('invalid_json');
    const huge = await f
      .http()
      .post('/v1/m2m/clients')
      .set('Authorization', f.basic)
      .send({ scopes: [], client_description: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
    const after = await f.sdk.m2m.clients.search({});
    expect(after.results_metadata.total).toBe(before.results_metadata.total);
  });

  it('answers unknown routes and wrong methods with JSON the SDK can read', async () => {
    const missing = await f.http().get('/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status_code: 404, error_type: 'route_not_found' });
    const wrong = await f.http().patch('/v1/m2m/clients/x').set('Authorization', f.basic);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, PUT, DELETE');
  });
});

describe('project credentials on management endpoints', () => {
  let f: AuthFixture;
  beforeAll(async () => {
    f = await startAuthFixture({ rateLimit: { perClientPerMinute: 10, perIpPerMinute: 4 } });
  });
  afterAll(() => f.auth.close());

  it('answers 401 in Stytch shape without credentials or with wrong ones, then 429 after repeated failures', async () => {
    const none = await f.http().get('/v1/m2m/clients/any');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ status_code: 401, error_type: 'unauthorized_credentials' });
    const wrongSecret = `Basic ${Buffer.from(`${f.auth.projectId}:wrong`).toString('base64')}`;
    const wrongProject = `Basic ${Buffer.from(`project-test-other:${f.auth.projectSecret}`).toString('base64')}`;
    for (const header of [wrongSecret, wrongProject, 'Bearer abc']) {
      const res = await f.http().post('/v1/m2m/clients/search').set('Authorization', header).send({});
      expect(res.status).toBe(401);
      expect(res.body.error_type).toBe('unauthorized_credentials');
    }
    const limited = await f.http().post('/v1/m2m/clients/search').set('Authorization', f.basic).send({});
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('leaves the public endpoints public', async () => {
    const other = await startAuthFixture();
    try {
      expect((await other.http().get(`/v1/sessions/jwks/${other.auth.projectId}`)).status).toBe(200);
      expect((await other.http().get('/.well-known/oauth-authorization-server')).status).toBe(200);
      const token = await other.http().post(tokenPath(other.auth)).type('form').send('grant_type=client_credentials');
      expect(token.status).toBe(401);
      expect(token.body.error).toBe('invalid_client');
    } finally {
      await other.auth.close();
    }
  });
});
