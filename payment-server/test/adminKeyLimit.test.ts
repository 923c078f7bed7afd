import express from 'express';
import request from 'supertest';
import { errorHandler } from '@m2m/shared';
import { ADMIN_FAILURES_PER_MINUTE, requireAdminKey } from '../src/admin/adminAuth';

const KEY = 'an-admin-key-of-at-least-thirty-two-characters';

/** The admin guard in front of one route, as createPaymentApp mounts it, with its default limit. */
function guardedApp({ trustProxy = false }: { trustProxy?: false | string[] } = {}) {
  const app = express();
  app.set('trust proxy', trustProxy);
  app.use('/admin', requireAdminKey(KEY));
  app.get('/admin/ping', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(errorHandler());
  return app;
}

describe('wrong admin keys', () => {
  it(`are refused with 429 and Retry-After after ${ADMIN_FAILURES_PER_MINUTE} a minute from one IP, even with the right key`, async () => {
    const app = guardedApp();
    for (let i = 0; i < ADMIN_FAILURES_PER_MINUTE; i++) {
      await request(app).get('/admin/ping').set('Authorization', `Bearer wrong-${i}`).expect(401);
    }
    const limited = await request(app).get('/admin/ping').set('Authorization', `Bearer ${KEY}`).expect(429);
    expect(limited.body.error.code).toBe('too_many_requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('do not count a request that sent no key, and the right key is never limited', async () => {
    const app = guardedApp();
    for (let i = 0; i < ADMIN_FAILURES_PER_MINUTE * 2; i++) await request(app).get('/admin/ping').expect(401);
    for (let i = 0; i < ADMIN_FAILURES_PER_MINUTE * 2; i++)
      await request(app).get('/admin/ping').set('Authorization', `Bearer ${KEY}`).expect(200);
  });

  it("behind a proxy (trust proxy set), a stranger's wrong keys never lock out the right key from another address", async () => {
    const app = guardedApp({ trustProxy: ['loopback'] });
    for (let i = 0; i < ADMIN_FAILURES_PER_MINUTE * 3; i++) {
      await request(app).get('/admin/ping').set('X-Forwarded-For', '203.0.113.66').set('Authorization', `Bearer wrong-${i}`);
    }
    await request(app).get('/admin/ping').set('X-Forwarded-For', '203.0.113.66').set('Authorization', `Bearer ${KEY}`).expect(429);
    await request(app).get('/admin/ping').set('X-Forwarded-For', '198.51.100.7').set('Authorization', `Bearer ${KEY}`).expect(200);
  });
});
