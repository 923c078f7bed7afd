import { sign, type KeyObject } from 'node:crypto';

/** The parts of a signing key the hot path needs: its private key object and its pre-encoded JWT header. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  /** base64url of `{"alg":"RS256","typ":"JWT","kid":...}`, encoded once per key. */
  encodedHeader: string;
}

export function encodeHeader(kid: string): string {
  return Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid })).toString('base64url');
}

/**
 * An RS256 JWT (RFC 7515 compact form). Signing with node:crypto on a cached KeyObject is the whole
 * cost of a token (about 0.3 ms for RSA-2048); no JOSE library is needed for this one algorithm.
 */
export function signJwt(payload: Record<string, unknown>, key: SigningKey): string {
  const signingInput = `${key.encodedHeader}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  // RSASSA-PKCS1-v1_5 with SHA-256 is node's default padding for RSA keys: exactly RS256.
  const signature = sign('sha256', Buffer.from(signingInput), key.privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}
