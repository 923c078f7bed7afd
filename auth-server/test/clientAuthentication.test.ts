import { ClientAuthenticator } from '../src/security/clientAuthentication';
import { generateSecret, hashGeneratedSecret, hashProvidedSecret, verifySecret } from '../src/security/secrets';
import type { M2MClientRecord } from '../src/store/clientStore';

/**
 * Issue 13.3: every path (unknown id, generated secret, imported secret, rotation or not) does the
 * same verification work, so timing can't tell whether an id exists. No timings: the real verifier
 * runs, and the kinds of hash it was given are counted.
 */
function countingAuthenticator() {
  const kinds: string[] = [];
  const authenticator = new ClientAuthenticator(async (secret, stored) => {
    kinds.push(stored.split(':')[0]!);
    return verifySecret(secret, stored);
  });
  return { authenticator, kinds };
}

function record(secretHash: string, nextSecretHash: string | null = null): M2MClientRecord {
  return {
    clientId: 'c',
    clientName: '',
    clientDescription: '',
    status: 'active',
    scopes: [],
    trustedMetadata: {},
    secretHash,
    secretLastFour: 'xxxx',
    nextSecretHash,
    nextSecretLastFour: null,
  };
}

describe('ClientAuthenticator', () => {
  it('does two verifications on every path: a generated secret, an imported one, during a rotation, an unknown id', async () => {
    const generated = generateSecret();
    const imported = 'Imported-Secret-9f3#kQ2v';
    const sha = record(hashGeneratedSecret(generated));
    const scrypt = record(await hashProvidedSecret(imported));
    const rotating = record(await hashProvidedSecret(imported), hashGeneratedSecret(generateSecret()));
    const cases: [M2MClientRecord | undefined, string, boolean, string[]][] = [
      [sha, generated, true, ['sha256', 'sha256']],
      [sha, 'wrong', false, ['sha256', 'sha256']],
      [scrypt, imported, true, ['scrypt', 'sha256']],
      [scrypt, 'wrong', false, ['scrypt', 'sha256']],
      [rotating, 'wrong', false, ['scrypt', 'sha256']],
    ];
    for (const [client, secret, expected, work] of cases) {
      const { authenticator, kinds } = countingAuthenticator();
      expect(await authenticator.authenticate('c', client, secret)).toBe(expected);
      expect(kinds).toEqual(work);
    }
  });

  it('an unknown id costs what a known client costs: a decoy of either kind, the same one for the same id every time', async () => {
    const { authenticator, kinds } = countingAuthenticator();
    const perId = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const id = `m2m-client-test-unknown-${i}`;
      for (let repeat = 0; repeat < 2; repeat++) {
        kinds.length = 0;
        expect(await authenticator.authenticate(id, undefined, 'any-secret')).toBe(false);
        expect(kinds).toHaveLength(2);
        expect(kinds[1]).toBe('sha256');
        if (repeat === 1) expect(kinds[0]).toBe(perId.get(id));
        perId.set(id, kinds[0]!);
      }
    }
    // Both kinds occur, so neither a fast nor a slow answer says "this id is unknown".
    expect(new Set(perId.values())).toEqual(new Set(['sha256', 'scrypt']));
  });

  it('an inactive client is refused even with its right secret, after the same work', async () => {
    const { authenticator, kinds } = countingAuthenticator();
    const secret = generateSecret();
    expect(await authenticator.authenticate('c', { ...record(hashGeneratedSecret(secret)), status: 'inactive' }, secret)).toBe(false);
    expect(kinds).toEqual(['sha256', 'sha256']);
  });
});
