import { createHmac, randomBytes } from 'node:crypto';
import type { M2MClientRecord } from '../store/clientStore';
import { verifySecret } from './secrets';

export type SecretVerifier = (secret: string, stored: string) => Promise<boolean>;

export interface ClientAuthenticatorOptions {
  /** How a secret is checked against a stored hash; tests wrap the real one to count the work. */
  verify?: SecretVerifier;
  /** The key of the hash that picks an unknown id's decoy; random by default. A fixed key is for tests. */
  decoyKey?: Buffer;
}

/** Hashes of random values nobody knows: verifying against one costs what a real check costs, and fails. */
const DECOYS = {
  sha256: `sha256:${randomBytes(32).toString('base64url')}`,
  scrypt: `scrypt:${randomBytes(16).toString('base64url')}:${randomBytes(32).toString('base64url')}`,
};

/**
 * Checks a client secret with the same work on every path, so the time taken tells nothing about
 * the client: always two verifications, the current secret (or a decoy) then the next one (or a
 * sha256 decoy, the kind every generated next secret has). An unknown id gets a decoy of a kind
 * picked by a keyed hash of the id: the same id always costs the same, and a fast or slow answer is
 * equally likely from an unknown id as from a known one (generated secrets are sha256, imported ones scrypt).
 */
export class ClientAuthenticator {
  private readonly verify: SecretVerifier;
  private readonly decoyKey: Buffer;

  constructor({ verify = verifySecret, decoyKey = randomBytes(32) }: ClientAuthenticatorOptions = {}) {
    this.verify = verify;
    this.decoyKey = decoyKey;
  }

  /** The client, when it exists, is active and `secret` is its current or next secret; else undefined. */
  async authenticate(clientId: string, client: M2MClientRecord | undefined, secret: string): Promise<M2MClientRecord | undefined> {
    const current = client?.secretHash ?? this.decoyFor(clientId);
    const next = client?.nextSecretHash ?? DECOYS.sha256;
    const [matchesCurrent, matchesNext] = await Promise.all([this.verify(secret, current), this.verify(secret, next)]);
    return client?.status === 'active' && (matchesCurrent || matchesNext) ? client : undefined;
  }

  /** An unknown id's decoy: the first byte of a keyed hash of the id picks the kind, so about half get each. */
  private decoyFor(clientId: string): string {
    const [pick = 0] = createHmac('sha256', this.decoyKey).update(clientId).digest();
    return pick < 128 ? DECOYS.scrypt : DECOYS.sha256;
  }
}
