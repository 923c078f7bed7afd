import { createHmac, randomBytes } from 'node:crypto';
import type { M2MClientRecord } from '../store/clientStore';
import { verifySecret } from './secrets';

export type SecretVerifier = (secret: string, stored: string) => Promise<boolean>;

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
  private readonly decoyKey = randomBytes(32);

  constructor(private readonly verify: SecretVerifier = verifySecret) {}

  async authenticate(clientId: string, client: M2MClientRecord | undefined, secret: string): Promise<boolean> {
    const current = client?.secretHash ?? this.decoyFor(clientId);
    const next = client?.nextSecretHash ?? DECOYS.sha256;
    const [matchesCurrent, matchesNext] = await Promise.all([this.verify(secret, current), this.verify(secret, next)]);
    return client !== undefined && client.status === 'active' && (matchesCurrent || matchesNext);
  }

  private decoyFor(clientId: string): string {
    const pick = createHmac('sha256', this.decoyKey).update(clientId).digest()[0]!;
    return pick < 128 ? DECOYS.scrypt : DECOYS.sha256;
  }
}
