import { createPrivateKey, createPublicKey, generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { AuthServerError } from '../errors';
import type { SigningKeyStore } from '../store/signingKeyStore';
import { encodeHeader, type SigningKey } from './jwt';

const generateRsaKeyPair = promisify(generateKeyPair);

/** Makes a new private signing key: RS256 needs RSA, of at least 2048 bits. */
export type GenerateSigningKey = () => Promise<KeyObject>;

/** RSA 2048 from node:crypto, on the thread pool (the prime search takes 0.1 to 0.5 s of CPU). */
export const generateRsaSigningKey: GenerateSigningKey = async () => (await generateRsaKeyPair('rsa', { modulusLength: 2048 })).privateKey;

export interface KeyRingOptions {
  tokenLifetimeSeconds: number;
  /** The clock of key ages and expiry (epoch seconds); tests pass a controlled one. */
  nowSeconds?: () => number;
  /** Default generateRsaSigningKey. */
  generateSigningKey?: GenerateSigningKey;
}

/** A public key as the JWKS endpoint publishes it (RFC 7517). */
export interface PublicJwk {
  kty: 'RSA';
  kid: string;
  use: 'sig';
  alg: 'RS256';
  n: string;
  e: string;
}

/** A signing key as an operator sees it (times in epoch seconds). */
export interface SigningKeyState {
  kid: string;
  /** current signs; next is published and signs after the next rotation; retiring signs no more and stays published until `published_until`. */
  state: 'current' | 'next' | 'retiring';
  created_at: number;
  activated_at: number | null;
  retired_at: number | null;
  published_until: number | null;
  /** For the next key: from when a rotation may activate it without `force`. */
  activatable_at: number | null;
}

interface PublishedKey {
  jwk: PublicJwk;
  /** Epoch seconds; null while the key is active. */
  publishUntil: number | null;
}

/**
 * How long the next key must have been published before it may sign. A verifier learns a key from
 * a JWKS fetch; jose (the Stytch SDK's verifier) refetches for an unknown kid at most every 30 s,
 * and the JWKS answer may be cached for 30 s (Cache-Control). After this long, every verifier that
 * meets the new kid can fetch it.
 */
export const NEXT_KEY_MIN_AGE_SECONDS = 60;

/** A rotation that would make verifiers refuse new tokens for a while; `force` does it anyway. */
export class NextKeyTooNewError extends AuthServerError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      409,
      'next_signing_key_too_new',
      `The next signing key was published ${NEXT_KEY_MIN_AGE_SECONDS - retryAfterSeconds} s ago; verifiers may not have fetched it yet. ` +
        `Retry in ${retryAfterSeconds} s, or send {"force": true} to rotate now (e.g. after a key compromise) and accept that ` +
        `verifiers with a cached JWKS refuse new tokens for up to 30 s`,
      { headers: { 'Retry-After': String(retryAfterSeconds) } },
    );
  }
}

/**
 * The project's signing keys, published in the JWKS:
 * - the active key signs;
 * - the next key is published before it signs, so a verifier holding a cached JWKS already knows it
 *   when a rotation activates it (jose refetches a JWKS for an unknown kid at most every 30 s, so
 *   a key that appeared only at rotation would be refused for up to that long);
 * - retired keys stay published until every token they signed has expired.
 * Loaded from the database, kept in memory as KeyObjects.
 */
export class KeyRing {
  private activeKey!: SigningKey;
  private published: PublishedKey[] = [];
  /** When the next key was created (epoch seconds). */
  private nextCreatedAt = 0;
  /** No rotation yet: the next key was created with the active one, so every JWKS ever served holds it. */
  private firstPair = true;
  /** Rotations run one at a time: two at once would activate a key nobody has seen yet. */
  private rotating: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: SigningKeyStore,
    private readonly tokenLifetimeSeconds: number,
    private readonly nowSeconds: () => number,
    private readonly generateSigningKey: GenerateSigningKey,
  ) {}

  static async load(store: SigningKeyStore, options: KeyRingOptions): Promise<KeyRing> {
    const { tokenLifetimeSeconds, nowSeconds = epochSeconds, generateSigningKey = generateRsaSigningKey } = options;
    const ring = new KeyRing(store, tokenLifetimeSeconds, nowSeconds, generateSigningKey);
    const live = store.listLive(nowSeconds()).filter((k) => k.retiredAt === null);
    const active = live.find((k) => k.activatedAt !== null);
    const hasNext = live.some((k) => k.activatedAt === null);
    const [newActive, newNext] = await Promise.all([active ? undefined : ring.newKey(), hasNext ? undefined : ring.newKey()]);
    const createdAt = nowSeconds();
    if (active) store.raiseMaxTokenLifetime(active.kid, tokenLifetimeSeconds);
    if (newActive) store.insert({ ...newActive, maxTokenLifetimeSeconds: tokenLifetimeSeconds }, true, createdAt);
    if (newNext) store.insert({ ...newNext, maxTokenLifetimeSeconds: tokenLifetimeSeconds }, false, createdAt);
    ring.reload();
    return ring;
  }

  get active(): SigningKey {
    return this.activeKey;
  }

  /** Public keys to publish now: the active one and retired ones whose tokens may still be valid. */
  publicKeys(): PublicJwk[] {
    const now = this.nowSeconds();
    return this.published.filter((k) => k.publishUntil === null || k.publishUntil > now).map((k) => k.jwk);
  }

  /** Every published key and its state: the current one, the next one, then the retiring ones. */
  describe(): SigningKeyState[] {
    return this.store.listLive(this.nowSeconds()).map((k) => {
      const state = k.retiredAt !== null ? 'retiring' : k.activatedAt !== null ? 'current' : 'next';
      return {
        kid: k.kid,
        state,
        created_at: k.createdAt,
        activated_at: k.activatedAt,
        retired_at: k.retiredAt,
        published_until: k.publishUntil,
        activatable_at: state === 'next' ? (this.firstPair ? k.createdAt : k.createdAt + NEXT_KEY_MIN_AGE_SECONDS) : null,
      };
    });
  }

  /**
   * The next key signs from now on, a new next key is published, the old one stays until its last
   * token expires. Refused (NextKeyTooNewError) while the next key is younger than
   * NEXT_KEY_MIN_AGE_SECONDS, unless no rotation happened yet (the first next key was created with
   * the first active key, so every JWKS ever served holds it) or `force` is set.
   * `revokePrevious` (a stolen key) removes the old key from the JWKS and the database at once.
   */
  rotate(options: { force?: boolean; revokePrevious?: boolean } = {}): Promise<{ kid: string; retiredKid: string; nextKid: string }> {
    const rotation = this.rotating.then(() => this.rotateNow(options));
    this.rotating = rotation.catch(() => undefined);
    return rotation;
  }

  private async rotateNow({
    force = false,
    revokePrevious = false,
  }: {
    force?: boolean;
    revokePrevious?: boolean;
  }): Promise<{ kid: string; retiredKid: string; nextKid: string }> {
    const age = this.nowSeconds() - this.nextCreatedAt;
    if (!force && !this.firstPair && age < NEXT_KEY_MIN_AGE_SECONDS) throw new NextKeyTooNewError(NEXT_KEY_MIN_AGE_SECONDS - age);
    const retiredKid = this.activeKey.kid;
    const next = await this.newKey();
    this.store.rotate({ ...next, maxTokenLifetimeSeconds: this.tokenLifetimeSeconds }, this.nowSeconds(), revokePrevious);
    this.reload();
    return { kid: this.activeKey.kid, retiredKid, nextKid: next.kid };
  }

  private reload(): void {
    const keys = this.store.listLive(this.nowSeconds());
    const active = keys.find((k) => k.retiredAt === null && k.activatedAt !== null);
    const next = keys.find((k) => k.retiredAt === null && k.activatedAt === null);
    if (!active || !next) throw new Error('no active or next signing key in the database');
    this.nextCreatedAt = next.createdAt;
    this.firstPair = !keys.some((k) => k.retiredAt !== null);
    const privateKey = createPrivateKey(active.privateKeyPem);
    this.activeKey = { kid: active.kid, privateKey, encodedHeader: encodeHeader(active.kid) };
    this.published = keys.map((k) => ({ jwk: toPublicJwk(k.kid, k.privateKeyPem), publishUntil: k.publishUntil }));
  }

  private async newKey(): Promise<{ kid: string; privateKeyPem: string }> {
    const privateKey = await this.generateSigningKey();
    const { type, asymmetricKeyType: kind = 'secret', asymmetricKeyDetails } = privateKey;
    const bits = asymmetricKeyDetails?.modulusLength ?? 0;
    if (type !== 'private' || kind !== 'rsa' || bits < 2048) {
      throw new TypeError(
        `generateSigningKey must make a private RSA key of at least 2048 bits (RS256); it made a ${type} ${kind} key${bits ? ` of ${bits} bits` : ''}`,
      );
    }
    // A kid of its own even when a key's material repeats (tests hand out pre-generated keys).
    return { kid: `jwk-test-${randomUUID()}`, privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
  }
}

function toPublicJwk(kid: string, privateKeyPem: string): PublicJwk {
  const { n, e } = createPublicKey(privateKeyPem).export({ format: 'jwk' });
  if (n === undefined || e === undefined) throw new Error(`signing key ${kid} is not an RSA key`);
  return { kty: 'RSA', kid, use: 'sig', alg: 'RS256', n, e };
}

function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
