import { decodeJwt, startAuthFixture, tokenPath, type AuthFixture } from './fixtures';

// RFC 8707: a client names the resource server a token is for; the token's aud then names it too.
describe('token endpoint: RFC 8707 resource indicators', () => {
  let f: AuthFixture;
  let client: { client_id: string; client_secret: string };

  beforeAll(async () => {
    f = await startAuthFixture();
    ({ m2m_client: client } = await f.sdk.m2m.clients.create({ scopes: ['read:users'], client_name: 'agent' }));
  });
  afterAll(() => f.auth.close());

  const tokenRequest = (body: string) => f.http().post(tokenPath(f.auth)).type('form').send(body);
  const credentials = () =>
    new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret });

  it('adds each resource to aud after the project id, and the Stytch SDK still accepts the token', async () => {
    const body = credentials();
    body.append('resource', 'https://wallet.example.com');
    body.append('resource', 'https://other.example.com/mcp');
    const res = await tokenRequest(body.toString());
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token).payload.aud).toEqual([
      f.auth.projectId,
      'https://wallet.example.com',
      'https://other.example.com/mcp',
    ]);

    const verified = await f.sdk.m2m.authenticateToken({ access_token: res.body.access_token });
    expect(verified.client_id).toBe(client.client_id);
  });

  it('takes resource as a JSON string or array, and keeps aud as [project_id] without one', async () => {
    const json = await f
      .http()
      .post(tokenPath(f.auth))
      .send({
        grant_type: 'client_credentials',
        client_id: client.client_id,
        client_secret: client.client_secret,
        resource: ['urn:example:wallet'],
      });
    expect(json.status).toBe(200);
    expect(decodeJwt(json.body.access_token).payload.aud).toEqual([f.auth.projectId, 'urn:example:wallet']);

    const plain = await tokenRequest(credentials().toString());
    expect(decodeJwt(plain.body.access_token).payload.aud).toEqual([f.auth.projectId]);
  });

  it.each([
    ['a relative reference', 'wallet.example.com/mcp'],
    ['a fragment', 'https://wallet.example.com/mcp#tools'],
    ['a space', 'https://wallet.example.com/a b'],
  ])('refuses a resource with %s: 400 invalid_target, and no token', async (_what, resource) => {
    const body = credentials();
    body.append('resource', resource);
    const res = await tokenRequest(body.toString());
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_target');
    expect(res.body.error_description).toMatch(/absolute URI without a fragment/);
    expect(res.body).not.toHaveProperty('access_token');
  });

  it('refuses a non-string resource in JSON and more than ten resources', async () => {
    const nonString = await f
      .http()
      .post(tokenPath(f.auth))
      .send({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, resource: [42] });
    expect(nonString.status).toBe(400);
    expect(nonString.body.error).toBe('invalid_target');

    const body = credentials();
    for (let i = 0; i < 11; i++) body.append('resource', `https://r${String(i)}.example.com`);
    const many = await tokenRequest(body.toString());
    expect(many.status).toBe(400);
    expect(many.body.error_description).toMatch(/At most 10 resource/);
  });
});
