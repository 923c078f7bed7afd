import { generateKeyPairSync } from 'node:crypto';
import { openAuthStores } from '../src/store/database';
import { CLOCK_SKEW_SECONDS } from '../src/store/signingKeyStore';
import { KeyRing, NEXT_KEY_MIN_AGE_SECONDS, NextKeyTooNewError, type GenerateSigningKey } from '../src/tokens/keyRing';
import { pooledSigningKeys } from '../../test/support/signingKeys';
import { controlledClock } from './fixtures';

/**
 * A key ring on a real (in-memory) SQLite store, on a clock that moves only when told, with the
 * run's pre-generated keys unless `generateSigningKey` says otherwise (null: its own RSA generation).
 */
async function keyRing(tokenLifetimeSeconds = 600, generateSigningKey: GenerateSigningKey | null = pooledSigningKeys() ?? null) {
  const clock = controlledClock(Date.UTC(2026, 0, 1));
  const stores = openAuthStores(':memory:');
  const ring = await KeyRing.load(stores.signingKeys, {
    tokenLifetimeSeconds,
    nowSeconds: clock.nowSeconds,
    ...(generateSigningKey && { generateSigningKey }),
  });
  return {
    ring,
    clock,
    stores,
    published: () => ring.publicKeys().map((k) => k.kid),
    stored: () =>
      stores.db
        .prepare<[], { kid: string }>('SELECT kid FROM signing_keys')
        .all()
        .map((row) => row.kid),
    close: () => stores.db.close(),
  };
}

describe('KeyRing (a controlled clock)', () => {
  it('generates RSA 2048 keys itself by default, and publishes the active key and the next one from the start; the next one is what the first rotation activates', async () => {
    const k = await keyRing(600, null);
    try {
      const [first, next] = k.published();
      expect(k.published()).toHaveLength(2);
      expect(first).toBe(k.ring.active.kid);
      const rotated = await k.ring.rotate();
      expect(rotated).toEqual({ kid: next, retiredKid: first, nextKid: expect.stringMatching(/^jwk-test-/) });
      expect(k.ring.active.kid).toBe(next);
      expect(k.ring.active.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      const moduli = k.ring.publicKeys().map((jwk) => jwk.n);
      expect(new Set(moduli).size).toBe(moduli.length);
    } finally {
      k.close();
    }
  });

  it.each<[string, GenerateSigningKey, RegExp]>([
    [
      'an RSA key too short for RS256',
      () => Promise.resolve(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey),
      /it made a private rsa key of 1024 bits/,
    ],
    ['an EC key', () => Promise.resolve(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), /it made a private ec key$/],
    [
      'a public key',
      () => Promise.resolve(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey),
      /it made a public rsa key of 2048 bits/,
    ],
  ])(
    'refuses a generateSigningKey that makes %s, with a TypeError naming the option, and stores nothing',
    async (_, generateSigningKey, message) => {
      const stores = openAuthStores(':memory:');
      try {
        const loading = KeyRing.load(stores.signingKeys, { tokenLifetimeSeconds: 600, generateSigningKey });
        await expect(loading).rejects.toThrow(TypeError);
        await expect(loading).rejects.toThrow(/^generateSigningKey must make a private RSA key of at least 2048 bits/);
        await expect(loading).rejects.toThrow(message);
        expect(stores.signingKeys.listLive(0)).toEqual([]);
      } finally {
        stores.db.close();
      }
    },
  );

  it(`refuses to activate a next key younger than ${NEXT_KEY_MIN_AGE_SECONDS} s, saying how long to wait, and changes nothing`, async () => {
    const k = await keyRing();
    try {
      // The first next key was published with the first active key: it may sign at once.
      await k.ring.rotate();
      const active = k.ring.active.kid;
      const published = k.published();
      for (const [elapsed, wait] of [
        [0, 60],
        [30, 30],
        [29, 1],
      ] as const) {
        k.clock.advanceSeconds(elapsed);
        const refusal = await k.ring.rotate().catch((err: unknown) => err);
        expect(refusal).toBeInstanceOf(NextKeyTooNewError);
        expect(refusal).toMatchObject({
          retryAfterSeconds: wait,
          status: 409,
          code: 'next_signing_key_too_new',
          headers: { 'Retry-After': String(wait) },
          message: expect.stringContaining(`Retry in ${wait} s`),
        });
        expect([k.ring.active.kid, k.published()]).toEqual([active, published]);
      }
      k.clock.advanceSeconds(1);
      await expect(k.ring.rotate()).resolves.toMatchObject({ retiredKid: active });
    } finally {
      k.close();
    }
  });

  it('rotates a too-young next key when forced (a compromise)', async () => {
    const k = await keyRing();
    try {
      await k.ring.rotate();
      await expect(k.ring.rotate()).rejects.toBeInstanceOf(NextKeyTooNewError);
      const before = k.ring.active.kid;
      await expect(k.ring.rotate({ force: true })).resolves.toMatchObject({ retiredKid: before });
    } finally {
      k.close();
    }
  });

  it('keeps a retired key published for the token lifetime plus the clock skew, then drops it from the JWKS and the database', async () => {
    const lifetime = 600;
    const k = await keyRing(lifetime);
    try {
      const { retiredKid } = await k.ring.rotate();
      k.clock.advanceSeconds(lifetime + CLOCK_SKEW_SECONDS - 1);
      expect(k.published()).toContain(retiredKid);
      k.clock.advanceSeconds(1);
      expect(k.published()).not.toContain(retiredKid);
      expect(k.published()).toHaveLength(2);
      // Its private half goes at the next rotation, which prunes what is no longer published.
      expect(k.stored()).toContain(retiredKid);
      await k.ring.rotate();
      expect(k.stored()).not.toContain(retiredKid);
    } finally {
      k.close();
    }
  });

  it('keeps a key that signed with a longer lifetime (before a restart) published for that longer lifetime', async () => {
    const k = await keyRing(3600);
    try {
      // A restart with a shorter lifetime: the active key has signed 3600 s tokens, which must keep verifying.
      const pooled = pooledSigningKeys();
      const restarted = await KeyRing.load(k.stores.signingKeys, {
        tokenLifetimeSeconds: 60,
        nowSeconds: k.clock.nowSeconds,
        ...(pooled && { generateSigningKey: pooled }),
      });
      const { retiredKid } = await restarted.rotate();
      k.clock.advanceSeconds(3600 + CLOCK_SKEW_SECONDS - 1);
      expect(restarted.publicKeys().map((key) => key.kid)).toContain(retiredKid);
      k.clock.advanceSeconds(1);
      expect(restarted.publicKeys().map((key) => key.kid)).not.toContain(retiredKid);
    } finally {
      k.close();
    }
  });

  it('revokePrevious drops the previous key from the JWKS and the database at once, and only that key', async () => {
    const k = await keyRing();
    try {
      const { retiredKid: older } = await k.ring.rotate();
      k.clock.advanceSeconds(NEXT_KEY_MIN_AGE_SECONDS);
      const { kid, retiredKid, nextKid } = await k.ring.rotate({ revokePrevious: true });
      expect(k.published().sort()).toEqual([older, kid, nextKid].sort());
      expect(k.stored()).not.toContain(retiredKid);
      // The key retired before it keeps its own publication: its tokens were not stolen.
      expect(k.stored()).toContain(older);
    } finally {
      k.close();
    }
  });

  it("runs concurrent rotations one after the other: the second sees the first one's new next key and is refused", async () => {
    const k = await keyRing();
    try {
      const published = k.published();
      const [first, second] = await Promise.allSettled([k.ring.rotate(), k.ring.rotate()]);
      expect(first).toMatchObject({ status: 'fulfilled', value: { kid: published[1] } });
      expect(second).toMatchObject({ status: 'rejected', reason: expect.any(NextKeyTooNewError) });
    } finally {
      k.close();
    }
  });
});
