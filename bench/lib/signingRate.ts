import { generateKeyPairSync, sign } from 'node:crypto';

/**
 * The ceiling for one core: how many RS256 signatures (2048-bit RSA, what the auth-server uses)
 * node:crypto makes per second, in process, signing a token-sized payload for `durationMs`.
 */
export function measureRs256SigningRate(durationMs: number): { signaturesPerSecond: number; signatures: number } {
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
  // Warm-up: the first signatures pay for key parsing and JIT.
  for (let i = 0; i < 50; i++) sign('sha256', Buffer.from(`${header}.warm${i}`), privateKey);
  let signatures = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(durationMs) * 1_000_000n;
  let now2 = start;
  while (now2 < deadline) {
    const payload = Buffer.from(JSON.stringify({ ...claims, jti: String(signatures) })).toString('base64url');
    sign('sha256', Buffer.from(`${header}.${payload}`), privateKey);
    signatures++;
    now2 = process.hrtime.bigint();
  }
  const seconds = Number(now2 - start) / 1e9;
  return { signatures, signaturesPerSecond: signatures / seconds };
}
