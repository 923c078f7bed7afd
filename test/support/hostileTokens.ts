import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import { closeServer, listen } from '@m2m/shared';
import Database from 'better-sqlite3';

/**
 * Crafts the tokens a real authorization server never issues, with node:crypto only. To test the
 * wallet's own checks (aud, iss, exp, nbf, scope) rather than a signature failure, most are signed
 * with the auth-server's REAL active key, read from its database file: the attacker who stole it
 * still can't mint a token for another audience or issuer.
 */
export interface SigningKeyMaterial {
  kid: string;
  privateKey: KeyObject;
  publicKeyPem: string;
  /** The public modulus as the JWKS publishes it (base64url). */
  n: string;
}

/**
 * The active signing key of an auth-server, read from its SQLite file (it is not exposed otherwise).
 * Not retired and activated: the next key is published (and stored) before it signs.
 */
export function readActiveSigningKey(databaseFile: string): SigningKeyMaterial {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT kid, private_key_pem FROM signing_keys WHERE retired_at IS NULL AND activated_at IS NOT NULL').get() as
      { kid: string; private_key_pem: string } | undefined;
    if (!row) throw new Error(`no active signing key in ${databaseFile}`);
    const privateKey = createPrivateKey(row.private_key_pem);
    const publicKey = createPublicKey(privateKey);
    return {
      kid: row.kid,
      privateKey,
      publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      n: String(publicKey.export({ format: 'jwk' }).n),
    };
  } finally {
    db.close();
  }
}

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface TokenFactoryOptions {
  key: SigningKeyMaterial;
  issuer: string;
  projectId: string;
  /** The `sub` of every crafted token: a real client of the project, so only the crafted flaw is wrong. */
  clientId: string;
}

type Claims = Record<string, unknown>;

export class HostileTokens {
  private readonly stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  constructor(private readonly options: TokenFactoryOptions) {}

  /** The claims a real token carries; `overrides` replace them, and an undefined value removes one. */
  claims(overrides: Claims = {}): Claims {
    const now = nowSeconds();
    const claims: Claims = {
      sub: this.options.clientId,
      iss: this.options.issuer,
      aud: [this.options.projectId],
      scope: 'read:users write:wallets',
      iat: now,
      nbf: now,
      exp: now + 3600,
      jti: randomUUID(),
      ...overrides,
    };
    return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
  }

  header(overrides: Claims = {}): Claims {
    const header: Claims = { alg: 'RS256', typ: 'JWT', kid: this.options.key.kid, ...overrides };
    return Object.fromEntries(Object.entries(header).filter(([, value]) => value !== undefined));
  }

  /** Signed with the real key: valid unless `claims`/`header` break it. */
  rs256(claims: Claims = {}, header: Claims = {}, key: KeyObject = this.options.key.privateKey): string {
    const input = `${b64url(this.header(header))}.${b64url(this.claims(claims))}`;
    return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
  }

  /** RS256 by a key the project never published, under the published kid (unless `header` changes it). */
  byUnknownKey({ claims = {}, header = {} }: { claims?: Claims; header?: Claims } = {}): string {
    return this.rs256(claims, header, this.stranger);
  }

  /** Signed by an attacker key whose public half rides in the header (`jwk`), or is offered at a URL (`jku`/`x5u`). */
  withAttackerKeyIn(header: Claims): string {
    return this.rs256({}, { kid: undefined, ...header }, this.stranger);
  }

  /** The attacker's public key as a JWK (what an embedded `jwk` header or an attacker JWKS carries). */
  attackerJwk(): Claims {
    return { ...createPublicKey(this.stranger).export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'attacker-key' };
  }

  /** Another RSA algorithm (RS512, PS256) with the REAL key: the JWKS says RS256, so it must not verify. */
  realKeyWith(alg: 'RS512' | 'PS256'): string {
    const input = `${b64url(this.header({ alg }))}.${b64url(this.claims())}`;
    const key = this.options.key.privateKey;
    const signature =
      alg === 'RS512'
        ? sign('sha512', Buffer.from(input), key)
        : sign('sha256', Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    return `${input}.${signature.toString('base64url')}`;
  }

  algNone(): string {
    return `${b64url(this.header({ alg: 'none' }))}.${b64url(this.claims())}.`;
  }

  /** HS256 with the public key as the HMAC secret: the classic RS/HS confusion. */
  hs256With(secret: string | Buffer): string {
    const input = `${b64url(this.header({ alg: 'HS256' }))}.${b64url(this.claims())}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  }

  hs256WithPem(): string {
    return this.hs256With(this.options.key.publicKeyPem);
  }

  hs256WithJwkN(): string {
    return this.hs256With(this.options.key.n);
  }

  hs256WithModulusBytes(): string {
    return this.hs256With(Buffer.from(this.options.key.n, 'base64url'));
  }

  /** A correctly signed token of about `bytes` characters (padding in a custom claim). */
  ofSize(bytes: number, { byUnknownKey = false } = {}): string {
    const key = byUnknownKey ? this.stranger : this.options.key.privateKey;
    const base = this.rs256({}, {}, key).length;
    const padding = Math.max(0, Math.floor(((bytes - base) * 3) / 4));
    return this.rs256({ padding: 'x'.repeat(padding) }, {}, key);
  }
}

/**
 * An issuer we control, for the tokens only a forger makes (expired, wrong audience, alg "none",
 * HS256, no scope...) without the auth-server's key. It serves only the JWKS, at the SDK's path,
 * so the real SDK verifies against it exactly as against Stytch.
 */
export interface Forger {
  /** The SDK's base URL for this issuer. */
  url: string;
  projectId: string;
  /** The tokens of this issuer, signed with its published key. */
  tokens: HostileTokens;
  close(): Promise<void>;
}

export async function startForger(): Promise<Forger> {
  const projectId = `project-test-${randomUUID()}`;
  const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const publicKey = createPublicKey(privateKey);
  const kid = `jwk-test-${randomUUID()}`;
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
  const running = await listen(
    (req, res) => {
      if (req.url === `/v1/sessions/jwks/${projectId}`) res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{"status_code":404}');
    },
    0,
    '127.0.0.1',
  );
  const key: SigningKeyMaterial = {
    kid,
    privateKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    n: String(publicKey.export({ format: 'jwk' }).n),
  };
  return {
    url: running.url,
    projectId,
    // The SDK accepts as `iss` its base URL without the trailing slash.
    tokens: new HostileTokens({ key, issuer: running.url.replace(/\/$/, ''), projectId, clientId: 'm2m-client-test-forged' }),
    close: () => closeServer(running.server, 100),
  };
}
