import { createPrivateKey, createPublicKey, generateKeyPair, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { SigningKeyStore } from '../store/signingKeyStore';
import { encodeHeader, type SigningKey } from './jwt';

const generateRsaKeyPair = promisify(generateKeyPair);

/** A public key as the JWKS endpoint publishes it (RFC 7517). */
export interface PublicJwk {
  kty: 'RSA';
  kid: string;
  use: 'sig';
  alg: 'RS256';
  n: string;
  e: string;
}

interface PublishedKey {
  jwk: PublicJwk;
  /** Epoch seconds; null while the key is active. */
  publishUntil: number | null;
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

  private constructor(
    private readonly store: SigningKeyStore,
    private readonly tokenLifetimeSeconds: number,
    private readonly nowSeconds: () => number,
  ) {}

  static async load(store: SigningKeyStore, tokenLifetimeSeconds: number, nowSeconds = epochSeconds): Promise<KeyRing> {
    const ring = new KeyRing(store, tokenLifetimeSeconds, nowSeconds);
    const live = store.listLive(nowSeconds()).filter((k) => k.retiredAt === null);
    const active = live.find((k) => k.activatedAt !== null);
    if (active) store.raiseMaxTokenLifetime(active.kid, tokenLifetimeSeconds);
    else store.insert({ ...(await newKey()), maxTokenLifetimeSeconds: tokenLifetimeSeconds }, true);
    if (!live.some((k) => k.activatedAt === null)) store.insert({ ...(await newKey()), maxTokenLifetimeSeconds: tokenLifetimeSeconds }, false);
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

  /** The next key signs from now on, a new next key is published, the old one stays until its last token expires. */
  async rotate(): Promise<{ kid: string; retiredKid: string; nextKid: string }> {
    const retiredKid = this.activeKey.kid;
    const next = await newKey();
    this.store.rotate({ ...next, maxTokenLifetimeSeconds: this.tokenLifetimeSeconds }, this.nowSeconds());
    this.reload();
    return { kid: this.activeKey.kid, retiredKid, nextKid: next.kid };
  }

  private reload(): void {
    const keys = this.store.listLive(this.nowSeconds());
    const active = keys.find((k) => k.retiredAt === null && k.activatedAt !== null);
    if (!active) throw new Error('no active signing key in the database');
    const privateKey = createPrivateKey(active.privateKeyPem);
    this.activeKey = { kid: active.kid, privateKey, encodedHeader: encodeHeader(active.kid) };
    this.published = keys.map((k) => ({ jwk: toPublicJwk(k.kid, k.privateKeyPem), publishUntil: k.publishUntil }));
  }
}

async function newKey(): Promise<{ kid: string; privateKeyPem: string }> {
  const { privateKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  return { kid: `jwk-test-${randomUUID()}`, privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

function toPublicJwk(kid: string, privateKeyPem: string): PublicJwk {
  const jwk = createPublicKey(privateKeyPem).export({ format: 'jwk' });
  return { kty: 'RSA', kid, use: 'sig', alg: 'RS256', n: jwk.n!, e: jwk.e! };
}

function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
