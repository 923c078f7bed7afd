import { openAuthStores } from '../src/store/database';
import type { M2MClientRecord } from '../src/store/clientStore';
import { ProjectStore } from '../src/store/projectStore';
import { ClaimsTooLargeError } from '../src/tokens/customClaims';
import { KeyRing } from '../src/tokens/keyRing';
import { TokenIssuer } from '../src/tokens/tokenIssuer';
import { controlledClock, decodeJwt } from './fixtures';

const client: M2MClientRecord = {
  clientId: 'm2m-client-test-issuer',
  clientName: 'payment-service',
  clientDescription: '',
  status: 'active',
  scopes: ['read:users', 'write:wallets'],
  trustedMetadata: { tier: 'gold', blob: 'y'.repeat(5000) },
  secretHash: 'sha256:unused',
  secretLastFour: 'xxxx',
  nextSecretHash: null,
  nextSecretLastFour: null,
};

/** The issuer as the app builds it: a real key ring and the project store's template, on a controlled clock. */
async function issuerOnStore() {
  const clock = controlledClock(Date.UTC(2026, 0, 1, 12));
  const stores = openAuthStores(':memory:');
  stores.project.saveCredentials({ projectId: 'project-test-issuer', secret: null, secretHash: 'sha256:unused' });
  const keys = await KeyRing.load(stores.signingKeys, { tokenLifetimeSeconds: 600, nowSeconds: clock.nowSeconds });
  const issuer = new TokenIssuer({
    projectId: 'project-test-issuer',
    issuer: 'http://auth.example',
    lifetimeSeconds: 600,
    keys,
    template: () => stores.project.customClaimsTemplate(),
    now: clock.now,
  });
  return { clock, stores, keys, issuer };
}

describe('TokenIssuer (a controlled clock)', () => {
  it('stamps iat, nbf and exp from its clock, signs with the active key, and never lets the template set a registered claim', async () => {
    const { clock, stores, keys, issuer } = await issuerOnStore();
    try {
      // Stored directly (validation would refuse `sub`): rendering skips registered claims whatever the store holds.
      stores.project.setCustomClaimsTemplate({ tier: '{{ client.trusted_metadata.tier }}', user: '{{ request.user_id }}', sub: 'forged' });
      const first = decodeJwt((await issuer.issue(client, ['read:users'], { user_id: 'u-7' })).accessToken);
      const iat = clock.nowSeconds();
      expect(first.header.kid).toBe(keys.active.kid);
      expect(first.payload).toMatchObject({
        sub: client.clientId,
        scope: 'read:users',
        iat,
        nbf: iat,
        exp: iat + 600,
        tier: 'gold',
        user: 'u-7',
      });
      clock.advanceSeconds(90);
      const later = decodeJwt((await issuer.issue(client, ['read:users'], {})).accessToken);
      expect(later.payload).toMatchObject({ iat: iat + 90, exp: iat + 690 });
      expect(later.payload).not.toHaveProperty('user');
      expect(later.payload.jti).not.toBe(first.payload.jti);
    } finally {
      stores.db.close();
    }
  });

  it('refuses a token whose claims render beyond 4 KB, as a client error the token endpoint answers', async () => {
    const { stores, issuer } = await issuerOnStore();
    try {
      stores.project.setCustomClaimsTemplate({ blob: '{{ client.trusted_metadata.blob }}' });
      const refusal = await issuer.issue(client, [], {}).catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(ClaimsTooLargeError);
      expect(refusal).toMatchObject({ status: 400, code: 'custom_claims_too_large', expose: true });
    } finally {
      stores.db.close();
    }
  });
});

describe('the custom claims template in memory', () => {
  it('is read from SQLite once, also when there is none (no read per token), and a change applies to the next token', async () => {
    const { stores, issuer } = await issuerOnStore();
    const reads = jest.spyOn(stores.project, 'get');
    try {
      for (let i = 0; i < 5; i++) expect(decodeJwt((await issuer.issue(client, [], {})).accessToken).payload).not.toHaveProperty('tier');
      expect(reads).toHaveBeenCalledTimes(1);

      stores.project.setCustomClaimsTemplate({ tier: '{{ client.trusted_metadata.tier }}' });
      expect(decodeJwt((await issuer.issue(client, [], {})).accessToken).payload).toMatchObject({ tier: 'gold' });
      stores.project.setCustomClaimsTemplate(null);
      expect(decodeJwt((await issuer.issue(client, [], {})).accessToken).payload).not.toHaveProperty('tier');
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      stores.db.close();
    }
  });

  it('survives a restart: a new store on the same database reads the stored template', async () => {
    const { stores } = await issuerOnStore();
    try {
      stores.project.setCustomClaimsTemplate({ plan: 'v1' });
      expect(new ProjectStore(stores.db).customClaimsTemplate()).toEqual({ plan: 'v1' });
    } finally {
      stores.db.close();
    }
  });
});
