import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface SigningRate {
  signaturesPerSecond: number;
  signatures: number;
}

/** What the auth-server signs: its header and a token-sized payload (2048-bit RSA, RS256). */
function signingFixture(): { privateKey: KeyObject; input: (n: number) => Buffer } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'bench' })).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: 'm2m-client-test-00000000-0000-0000-0000-000000000000',
    iss: 'stytch.com/project-test-00000000-0000-0000-0000-000000000000',
    aud: ['project-test-00000000-0000-0000-0000-000000000000'],
    scope: 'read:users write:wallets',
    iat: now,
    nbf: now,
    exp: now + 3600,
  };
  const input = (n: number) => Buffer.from(`${header}.${Buffer.from(JSON.stringify({ ...claims, jti: String(n) })).toString('base64url')}`);
  // Warm-up: the first signatures pay for key parsing and JIT.
  for (let i = 0; i < 50; i++) sign('sha256', input(i), privateKey);
  return { privateKey, input };
}

/** RS256 signatures one thread makes per second, signing synchronously in a tight loop for `durationMs`. */
export function measureRs256SigningRate(durationMs: number): SigningRate {
  const { privateKey, input } = signingFixture();
  let signatures = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(durationMs) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    sign('sha256', input(signatures), privateKey);
    signatures++;
    now = process.hrtime.bigint();
  }
  const seconds = Number(now - start) / 1e9;
  return { signatures, signaturesPerSecond: signatures / seconds };
}

/**
 * RS256 signatures per second the way the auth-server signs: crypto.sign with a callback, which
 * runs on libuv's thread pool (4 threads by default), so every core can sign. Kept `inFlight`
 * deep for `durationMs`: the ceiling of the token endpoint on this machine.
 */
export async function measureThreadPoolSigningRate(durationMs: number, inFlight = 16): Promise<SigningRate> {
  const { privateKey, input } = signingFixture();
  let signatures = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(durationMs) * 1_000_000n;
  const worker = async (): Promise<void> => {
    while (process.hrtime.bigint() < deadline) {
      await new Promise<void>((resolve, reject) => {
        sign('sha256', input(signatures), privateKey, (err) => (err ? reject(err) : resolve()));
      });
      signatures++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { signatures, signaturesPerSecond: signatures / seconds };
}
