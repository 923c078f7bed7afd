import request from 'supertest';
import { createLogger } from '@m2m/shared';
import { createAuthApp } from '../src';
import { hashGeneratedSecret } from '../src/security/secrets';
import { openAuthStores } from '../src/store/database';
import { KeyRing } from '../src/tokens/keyRing';

describe('a failure on our side', () => {
  it('is a 500 in Stytch JSON (never HTML), with a request id and no detail of the failure', async () => {
    const stores = openAuthStores(':memory:');
    const keys = await KeyRing.load(stores.signingKeys, 3600);
    const project = { projectId: 'project-test-500', secretHash: hashGeneratedSecret('secret-test-500-abcdef') };
    const app = createAuthApp({
      project,
      stores,
      keys,
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
