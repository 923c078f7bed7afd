import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;

/** 32 random bytes (256 bits of entropy), base64url: 43 characters, safe in URLs and form bodies. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * How a secret is stored. Generated secrets carry 256 random bits: guessing one is infeasible
 * whatever the hash costs, so a fast SHA-256 is as safe as a slow KDF and keeps the token endpoint
 * bound by RS256 signing rather than by hashing (a slow KDF would only cut throughput).
 * A secret a caller brings (client import) may carry far fewer bits, so it gets scrypt: if the
 * database leaks, each guess costs the attacker milliseconds instead of nanoseconds.
 */
export type SecretHash = `sha256:${string}` | `scrypt:${string}:${string}`;

const SCRYPT = { N: 16_384, r: 8, p: 1 };
const SCRYPT_KEYLEN = 32;

export function hashGeneratedSecret(secret: string): SecretHash {
  return `sha256:${sha256(secret).toString('base64url')}`;
}

export async function hashProvidedSecret(secret: string): Promise<SecretHash> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, SCRYPT_KEYLEN, SCRYPT);
  return `scrypt:${salt.toString('base64url')}:${key.toString('base64url')}`;
}

/** Constant-time check of `secret` against a stored hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [kind, a, b] = stored.split(':');
  if (kind === 'sha256' && a) return safeEqual(sha256(secret), Buffer.from(a, 'base64url'));
  if (kind === 'scrypt' && a && b) {
    const expected = Buffer.from(b, 'base64url');
    const key = await scryptAsync(secret, Buffer.from(a, 'base64url'), expected.length, SCRYPT);
    return safeEqual(key, expected);
  }
  return false;
}

/** timingSafeEqual that also accepts buffers of different lengths (answering false, still in constant time for equal lengths). */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Compares two strings in time independent of where they differ (hashing first equalises lengths). */
export function safeEqualStrings(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function lastFour(secret: string): string {
  return secret.slice(-4);
}

const MIN_LENGTH = 8;
const MIN_ENTROPY_BITS = 40;

/**
 * Why a caller-provided secret is refused, or undefined when it is acceptable: at least 8 characters
 * and an estimated entropy of at least 40 bits (length × log2 of the character-class alphabet, counted
 * only over distinct characters, so "aaaaaaaaaaaa" or "12121212" fail while "Xk9#mQ2v" passes).
 */
export function weakSecretReason(secret: string): string | undefined {
  if (secret.length < MIN_LENGTH) return `client_secret must be at least ${MIN_LENGTH} characters long`;
  const bits = estimateEntropyBits(secret);
  if (bits < MIN_ENTROPY_BITS) {
    return `client_secret is too easy to guess (about ${Math.floor(bits)} bits of entropy, at least ${MIN_ENTROPY_BITS} required): use a longer secret with more varied characters, or omit it to get a generated one`;
  }
  return undefined;
}

export function estimateEntropyBits(secret: string): number {
  let alphabet = 0;
  if (/[a-z]/.test(secret)) alphabet += 26;
  if (/[A-Z]/.test(secret)) alphabet += 26;
  if (/[0-9]/.test(secret)) alphabet += 10;
  if (/[^a-zA-Z0-9]/.test(secret)) alphabet += 33;
  // Code points, so a character outside the BMP counts once; graphemes don't matter to an estimate.
  const chars = Array.from(secret);
  const distinct = new Set(chars).size;
  // Repetition adds little: weigh the length by how varied the characters are.
  const effectiveLength = Math.min(chars.length, distinct * 2);
  return effectiveLength * Math.log2(Math.max(alphabet, 2));
}
