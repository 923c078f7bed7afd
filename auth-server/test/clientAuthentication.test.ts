import { ClientAuthenticator } from '../src/security/clientAuthentication';
import { generateSecret, hashGeneratedSecret, hashProvidedSecret, verifySecret } from '../src/security/secrets';
import type { M2MClientRecord } from '../src/store/clientStore';

/**
 * Every path (unknown id, generated secret, imported secret, rotation or not) does the same
 * verification work, so timing can't tell whether an id exists. No timings: the real verifier
 * runs, and the kinds of hash it was given are counted.
 */
function countingAuthenticator() {
  const kinds: string[] = [];
  const authenticator = new ClientAuthenticator({
    verify: async (secret, stored) => {
      kinds.push(stored.split(':')[0] ?? '');
      return verifySecret(secret, stored);
    },
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

/**
 * Which decoy kind each unknown id gets. The selection is the subject here, not the hashing, so the
 * verifier only records the kind it was given (the work itself is counted with the real one above).
 */
function decoyPicker(decoyKey?: Buffer) {
  const kinds: string[] = [];
  const authenticator = new ClientAuthenticator({
    verify: (_secret, stored) => {
      kinds.push(stored.split(':')[0] ?? '');
      return Promise.resolve(false);
    },
    ...(decoyKey && { decoyKey }),
  });
  return async (ids: string[]): Promise<string[]> => {
    const picked: string[] = [];
    for (const id of ids) {
      kinds.length = 0;
      expect(await authenticator.authenticate(id, undefined, 'any-secret')).toBeUndefined();
      expect(kinds).toHaveLength(2);
      expect(kinds[1]).toBe('sha256');
      picked.push(kinds[0] ?? '');
    }
    return picked;
  };
}

const unknownIds = (count: number) => Array.from({ length: count }, (_, i) => `m2m-client-test-unknown-${i}`);

describe('ClientAuthenticator', () => {
  it('does two verifications on every path: a generated secret, an imported one, during a rotation, an unknown id', async () => {
    const generated = generateSecret();
    const imported = 'Imported-Secret-9f3#kQ2v';
    const sha = record(hashGeneratedSecret(generated));
    const scrypt = record(await hashProvidedSecret(imported));
    const next = generateSecret();
    const rotating = record(await hashProvidedSecret(imported), hashGeneratedSecret(next));
    const cases: [M2MClientRecord, string, boolean, string[]][] = [
      [sha, generated, true, ['sha256', 'sha256']],
      [sha, 'wrong', false, ['sha256', 'sha256']],
      [scrypt, imported, true, ['scrypt', 'sha256']],
      [scrypt, 'wrong', false, ['scrypt', 'sha256']],
      [rotating, 'wrong', false, ['scrypt', 'sha256']],
      [rotating, imported, true, ['scrypt', 'sha256']],
      [rotating, next, true, ['scrypt', 'sha256']],
    ];
    for (const [client, secret, expected, work] of cases) {
      const { authenticator, kinds } = countingAuthenticator();
      expect(await authenticator.authenticate('c', client, secret)).toBe(expected ? client : undefined);
      expect(kinds).toEqual(work);
    }
  });

  it('an unknown id costs what a known client costs: a decoy of either kind, the same one for the same id every time', async () => {
    const ids = unknownIds(40);
    const pick = decoyPicker();
    const first = await pick(ids);
    expect(await pick(ids)).toEqual(first);
    // Both kinds occur, so neither a fast nor a slow answer says "this id is unknown".
    expect(new Set(first)).toEqual(new Set(['sha256', 'scrypt']));
  });

  it('picks the decoy by a keyed hash: about half of the ids get each kind, and another key picks differently', async () => {
    const ids = unknownIds(400);
    const withKey = (byte: number) => decoyPicker(Buffer.alloc(32, byte))(ids);
    const a = await withKey(1);
    // A fixed key makes the pick reproducible: this count is that key's, not a lucky draw.
    const scrypt = a.filter((kind) => kind === 'scrypt').length;
    expect(scrypt).toBeGreaterThan(160);
    expect(scrypt).toBeLessThan(240);
    expect(await withKey(1)).toEqual(a);
    // The key is random per process by default: nobody can tell from an id alone which decoy it gets.
    const b = await withKey(2);
    expect(a.filter((kind, i) => kind !== b[i]).length).toBeGreaterThan(100);
  });

  it('an inactive client is refused even with its right secret, after the same work', async () => {
    const { authenticator, kinds } = countingAuthenticator();
    const secret = generateSecret();
    expect(await authenticator.authenticate('c', { ...record(hashGeneratedSecret(secret)), status: 'inactive' }, secret)).toBeUndefined();
    expect(kinds).toEqual(['sha256', 'sha256']);
  });
});
