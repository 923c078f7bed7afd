import request from 'supertest';
import type { RunningAuthServer } from '@m2m/auth-server';
import type * as stytch from 'stytch';
import { authorizeToken } from '@m2m/shared';
import { countVerifications } from '../../test/support/countVerifications';
import { accessToken, createM2MClient, sdk, startAuth, type M2MCredentials } from '../../test/support/stack';
import { startGuardedApp } from './support/guardedApp';

/** Small, so that a few real tokens overflow it; the policy is the same at the default 10,000. */
const BOUND = 4;

/**
 * The verified-token cache's eviction policy, seen as a user sees it: how many times the SDK is
 * asked to verify (a miss) while real tokens go through a guarded route one request at a time.
 */
describe('the verified-token cache under more tokens than its bound', () => {
  let auth: RunningAuthServer;
  let admin: stytch.Client;
  let reader: M2MCredentials;

  beforeAll(async () => {
    auth = await startAuth();
    admin = sdk(auth);
    reader = await createM2MClient(admin, ['read:users']);
  });
  afterAll(async () => {
    await auth.close();
  });

  /** A guarded app of its own (so a cache of its own), with its SDK verifications counted. */
  async function guarded() {
    const client = sdk(auth);
    const verifications = countVerifications(client);
    const app = await startGuardedApp({ client, cache: { maxEntries: BOUND } });
    const cache = () => authorizeToken('read:users', { client, cache: { maxEntries: BOUND } }).cache;
    const send = async (token: string) => {
      await request(app.url).get('/read').set('Authorization', `Bearer ${token}`).expect(200);
    };
    return { app, verifications, cache, send };
  }

  async function distinctTokens(count: number): Promise<string[]> {
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) tokens.push(await accessToken(admin, reader));
    expect(new Set(tokens).size).toBe(count);
    return tokens;
  }

  it('keeps a hot token through a scan of one-time tokens longer than the bound between its uses', async () => {
    const { app, verifications, cache, send } = await guarded();
    try {
      const [hot = '', ...oneTime] = await distinctTokens(31);
      await send(hot);
      await send(hot);
      // Six one-time tokens between uses of the hot one: an LRU of 4 would have evicted it each time.
      for (const [i, token] of oneTime.entries()) {
        await send(token);
        if (i % 6 === 5) await send(hot);
      }
      // One verification for the hot token, one for each one-time token: the hot one never missed.
      expect(verifications()).toBe(1 + oneTime.length);
      expect(cache()?.size).toBe(BOUND);
      await send(hot);
      expect(verifications()).toBe(1 + oneTime.length);
    } finally {
      await app.close();
    }
  });

  it('keeps hitting on a cycle through one token more than the bound (an LRU would miss every request)', async () => {
    const { app, verifications, send } = await guarded();
    try {
      const tokens = await distinctTokens(BOUND + 1);
      const laps = 10;
      for (let lap = 0; lap < laps; lap++) for (const token of tokens) await send(token);
      // The first lap verifies each token; after it, at most two misses a lap (the one left out, and the one it displaces).
      const requests = laps * tokens.length;
      expect(verifications()).toBeLessThanOrEqual(tokens.length + 2 * (laps - 1));
      expect(verifications()).toBeLessThan(requests / 2);
    } finally {
      await app.close();
    }
  });

  it('holds its bound, and lets a new token in on its second miss once full', async () => {
    const { app, verifications, cache, send } = await guarded();
    try {
      const tokens = await distinctTokens(BOUND + 20);
      for (const token of tokens) await send(token);
      expect(cache()?.size).toBe(BOUND);
      expect(verifications()).toBe(tokens.length);

      const [newcomer = ''] = await distinctTokens(1);
      await send(newcomer); // full: verified, remembered, not cached
      await send(newcomer); // its second miss: verified again, and cached
      await send(newcomer); // a hit
      expect(verifications()).toBe(tokens.length + 2);
      expect(cache()?.size).toBe(BOUND);
    } finally {
      await app.close();
    }
  });
});
