import { createPublicKey, verify } from 'node:crypto';
import { AuthServerError } from '../errors';
import type { PublicJwk } from './keyRing';

/** What the console's token inspector shows about a pasted JWT. */
export interface TokenInspection {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** Checked against this server's JWKS: valid only for an RS256 signature by a key published now. */
  signature: { valid: boolean; kid: string | null; detail: string };
  /** `exp` and `nbf` against this server's clock (epoch seconds). */
  expiry: { expires_at: number | null; not_before: number | null; expired: boolean; seconds_left: number | null };
  /** Whether `iss` is this server and `aud` holds this project (what authorizeToken also requires). */
  issuer_matches: boolean;
  audience_matches: boolean;
}

/** A string that is not a compact JWS with JSON header and claims: the caller pasted something else. */
export class MalformedTokenError extends AuthServerError {
  constructor(reason: string) {
    super(400, 'malformed_token', `Not a JWT: ${reason}`);
  }
}

/** Decodes a JWT and checks its signature and times. It never throws for a bad signature: that is an answer. */
export function inspectToken(
  token: string,
  { jwks, issuer, projectId, nowSeconds }: { jwks: PublicJwk[]; issuer: string; projectId: string; nowSeconds: number },
): TokenInspection {
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw new MalformedTokenError('a JWT has three base64url parts separated by dots');
  const [encodedHeader = '', encodedClaims = '', encodedSignature = ''] = parts;
  const header = decodePart(encodedHeader, 'header');
  const claims = decodePart(encodedClaims, 'claims');
  // Empty is a JWS too (alg none): it is shown, and fails the signature check.
  if (!/^[A-Za-z0-9_-]*$/.test(encodedSignature)) throw new MalformedTokenError('the signature is not base64url');
  const kid = typeof header.kid === 'string' ? header.kid : null;

  const exp = typeof claims.exp === 'number' ? claims.exp : null;
  const nbf = typeof claims.nbf === 'number' ? claims.nbf : null;
  const aud = Array.isArray(claims.aud) ? (claims.aud as unknown[]) : [claims.aud];
  return {
    header,
    claims,
    signature: checkSignature(`${encodedHeader}.${encodedClaims}`, encodedSignature, header.alg, kid, jwks),
    expiry: {
      expires_at: exp,
      not_before: nbf,
      expired: exp === null || exp <= nowSeconds,
      seconds_left: exp === null ? null : Math.max(0, exp - nowSeconds),
    },
    issuer_matches: claims.iss === issuer,
    audience_matches: aud.includes(projectId),
  };
}

function checkSignature(
  signingInput: string,
  signature: string,
  alg: unknown,
  kid: string | null,
  jwks: PublicJwk[],
): TokenInspection['signature'] {
  if (alg !== 'RS256') return { valid: false, kid, detail: `alg ${JSON.stringify(alg)} is not RS256, the only one this server signs with` };
  const jwk = jwks.find((k) => k.kid === kid);
  if (!jwk) return { valid: false, kid, detail: 'no key with this kid is in the JWKS (another issuer, or a revoked or expired key)' };
  const valid = verify(
    'sha256',
    Buffer.from(signingInput),
    createPublicKey({ key: { ...jwk }, format: 'jwk' }),
    Buffer.from(signature, 'base64url'),
  );
  return { valid, kid, detail: valid ? 'signed by a key in the JWKS' : 'the signature does not match the key with this kid' };
}

function decodePart(part: string, name: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) throw new MalformedTokenError(`the ${name} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new MalformedTokenError(`the ${name} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new MalformedTokenError(`the ${name} is not a JSON object`);
  return value as Record<string, unknown>;
}
