import { createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An issuer we control, to make the tokens a real authorization server never issues (expired,
 * wrong audience, alg "none", HS256, no scope...). It serves only the JWKS, at the SDK's path,
 * so the real SDK verifies against it exactly as against Stytch.
 */
export interface Forger {
  /** The SDK's base URL for this issuer (`env`). */
  url: string;
  projectId: string;
  /** `iss` the SDK accepts: the base URL without its trailing slash. */
  issuer: string;
  /** A correctly signed token; `claims` and `header` override the defaults (undefined removes one). */
  token(claims?: Record<string, unknown>, header?: Record<string, unknown>): string;
  /** A token signed with a key that is not in the JWKS, under the published kid. */
  tokenSignedByStranger(claims?: Record<string, unknown>): string;
  /** alg none, or HS256 with the public key's modulus as the HMAC secret: the classic confusions. */
  unsignedToken(claims?: Record<string, unknown>): string;
  hs256Token(claims?: Record<string, unknown>): string;
  close(): Promise<void>;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

export async function startForger(): Promise<Forger> {
  const projectId = `project-test-${randomUUID()}`;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const kid = `jwk-test-${randomUUID()}`;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

  const server: Server = createServer((req, res) => {
    if (req.url === `/v1/sessions/jwks/${projectId}`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"status_code":404}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const issuer = url.slice(0, -1);

  const claimsWith = (overrides: Record<string, unknown> = {}) =>
    dropUndefined({
      sub: 'm2m-client-test-forged',
      iss: issuer,
      aud: [projectId],
      scope: 'read:users write:wallets',
      iat: now(),
      nbf: now(),
      exp: now() + 3600,
      jti: randomUUID(),
      ...overrides,
    });
  const rs256 = (key: KeyObject, claims: Record<string, unknown>, header: Record<string, unknown> = {}) => {
    const input = `${b64url(dropUndefined({ alg: 'RS256', typ: 'JWT', kid, ...header }))}.${b64url(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
  };

  return {
    url,
    projectId,
    issuer,
    token: (claims, header) => rs256(privateKey, claimsWith(claims), header),
    tokenSignedByStranger: (claims) => rs256(stranger, claimsWith(claims)),
    unsignedToken: (claims) => `${b64url({ alg: 'none', typ: 'JWT', kid })}.${b64url(claimsWith(claims))}.`,
    hs256Token: (claims) => {
      const input = `${b64url({ alg: 'HS256', typ: 'JWT', kid })}.${b64url(claimsWith(claims))}`;
      const secret = Buffer.from(String(jwk.n), 'base64url');
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
