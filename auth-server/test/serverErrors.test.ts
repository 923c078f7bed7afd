import request from 'supertest';
import { createLogger } from '@m2m/shared';
import { AuditLog, createAuthApp } from '../src';
import { hashGeneratedSecret } from '../src/security/secrets';
import { openAuthStores } from '../src/store/database';
import { KeyRing } from '../src/tokens/keyRing';
import { startAuthFixture, tokenPath, type AuthFixture } from './fixtures';

describe('a failure on our side', () => {
  it('is a 500 in Stytch JSON (never HTML), with a request id and no detail of the failure', async () => {
    const stores = openAuthStores(':memory:');
    const keys = await KeyRing.load(stores.signingKeys, { tokenLifetimeSeconds: 3600 });
    const project = { projectId: 'project-test-500', secretHash: hashGeneratedSecret('secret-test-500-abcdef') };
    const app = createAuthApp({
      project,
      stores,
      keys,
      audit: new AuditLog(stores.db),
      issuer: 'http://127.0.0.1:1',
      tokenLifetimeSeconds: 3600,
      logger: createLogger({ name: 'auth-server', level: 'silent' }),
    });
    // The database goes away under the running app.
    stores.db.close();
    const res = await request(app).get('/v1/m2m/clients/any').auth('project-test-500', 'secret-test-500-abcdef');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({
      status_code: 500,
      error_type: 'internal_server_error',
      request_id: expect.stringMatching(/^request-id-test-/),
    });
    expect(res.body.error_message).not.toMatch(/database|sqlite/i);
  });
});

describe("error answers, exactly as Stytch's SDK reads them", () => {
  let f: AuthFixture;
  beforeAll(async () => {
    f = await startAuthFixture({ customClaimsTemplate: { blob: '{{ request.blob }}' } });
  });
  afterAll(() => f.auth.close());

  const requestId = expect.stringMatching(/^request-id-test-/);

  it("Stytch's shape everywhere but the token endpoint: status_code, request_id, error_type, error_message, error_url", async () => {
    const { m2m_client: client } = await f.sdk.m2m.clients.create({ scopes: [] });
    await f.sdk.m2m.clients.secrets.rotateStart({ client_id: client.client_id });
    const conflict = await f.http().post(`/v1/m2m/clients/${client.client_id}/secrets/rotate/start`).set('Authorization', f.basic);
    expect(conflict.body).toEqual({
      status_code: 409,
      request_id: requestId,
      error_type: 'm2m_client_secret_rotation_in_progress',
      error_message: expect.stringContaining('already in progress'),
      error_url: 'https://stytch.com/docs/api/errors/409',
    });
    // The shared body reader's refusal, in this server's shape.
    const mediaType = await f.http().post('/v1/m2m/clients').set('Authorization', f.basic).type('text/plain').send('scopes');
    expect(mediaType.body).toEqual({
      status_code: 415,
      request_id: requestId,
      error_type: 'unsupported_media_type',
      error_message: expect.any(String),
      error_url: 'https://stytch.com/docs/api/errors/415',
    });
    // A domain error of the store layer answers for itself.
    await expect(f.sdk.m2m.clients.create({ client_id: client.client_id, scopes: [] })).rejects.toMatchObject({
      status_code: 400,
      error_type: 'm2m_client_id_already_exists',
      error_message: `An M2M client with client_id ${client.client_id} already exists`,
    });
  });

  it("OAuth 2.0's shape on the token endpoint; a code RFC 6749 lacks becomes invalid_request, and 404 / 405 stay Stytch's", async () => {
    const { m2m_client: client } = await f.sdk.m2m.clients.create({ scopes: [] });
    const tooLarge = await f
      .http()
      .post(tokenPath(f.auth))
      .send({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, blob: 'y'.repeat(5000) });
    expect(tooLarge.body).toEqual({
      status_code: 400,
      request_id: requestId,
      error: 'invalid_request',
      error_description: 'the custom claims for this client render to more than 4096 bytes',
      error_uri: 'https://datatracker.ietf.org/doc/html/rfc6749#section-5.2',
    });
    const malformed = await f.http().post(tokenPath(f.auth)).set('Content-Type', 'application/json').send('{');
    expect(malformed.body).toMatchObject({
      status_code: 400,
      error: 'invalid_request',
      error_description: 'The request body is not valid JSON',
    });
    expect(malformed.body).not.toHaveProperty('error_type');
    const wrongMethod = await f.http().put(tokenPath(f.auth));
    expect(wrongMethod.body).toEqual({
      status_code: 405,
      request_id: requestId,
      error_type: 'method_not_allowed',
      error_message: `PUT is not allowed on ${tokenPath(f.auth)}; use POST`,
      error_url: 'https://stytch.com/docs/api/errors/405',
    });
  });
});
