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
 * An RS256 JWT (RFC 7515 compact form). The RSA-2048 signature is most of a token's cost (about
 * 0.3 ms); node:crypto's callback form computes it on the libuv thread pool, so the event loop keeps
 * serving HTTP on another core meanwhile. No JOSE library is needed for this one algorithm.
 */
export function signJwt(payload: Record<string, unknown>, key: SigningKey): Promise<string> {
  const signingInput = `${key.encodedHeader}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return new Promise((resolve, reject) => {
    // RSASSA-PKCS1-v1_5 with SHA-256 is node's default padding for RSA keys: exactly RS256.
    sign('sha256', Buffer.from(signingInput), key.privateKey, (err, signature) => {
      if (err) reject(err);
      else resolve(`${signingInput}.${signature.toString('base64url')}`);
    });
  });
}
