import { MAX_CUSTOM_CLAIMS_BYTES, renderClaims, validateClaimsTemplate } from '../src/tokens/customClaims';
import { estimateEntropyBits, weakSecretReason } from '../src/security/secrets';

describe('custom claims templates', () => {
  const context = {
    client: { client_id: 'c1', trusted_metadata: { tier: 'gold', limits: { daily: 100 }, none: null } },
    request: { user_id: 'u-1' },
  };

  it('renders variables as whole JSON values, keeping their type, through nested objects and arrays', () => {
    const claims = renderClaims(
      validateClaimsTemplate({
        tier: '{{ client.trusted_metadata.tier }}',
        daily: '{{client.trusted_metadata.limits.daily}}',
        nested: { who: '{{ request.user_id }}', fixed: 1 },
        list: ['{{ client.client_id }}', '{{ request.absent }}', 'x'],
      }),
      context,
    );
    expect(claims).toEqual({ tier: 'gold', daily: 100, nested: { who: 'u-1', fixed: 1 }, list: ['c1', 'x'] });
  });

  it('drops a claim whose variable is missing or null', () => {
    expect(renderClaims({ a: '{{ client.trusted_metadata.none }}', b: '{{ request.nope }}', c: 'kept' }, context)).toEqual({ c: 'kept' });
  });

  it('reads own properties only: inherited ones (constructor, __proto__, toString) drop their claim', () => {
    expect(
      renderClaims(
        validateClaimsTemplate({
          a: '{{ client.constructor }}',
          b: '{{ request.__proto__ }}',
          c: '{{ client.client_id.toString }}',
          d: '{{ client.client_id }}',
        }),
        context,
      ),
    ).toEqual({ d: 'c1' });
  });

  it('keeps literal values as they are, and skips a registered claim even if a stored template holds one', () => {
    expect(renderClaims({ n: 1, yes: true, none: null, list: [1, 'two'], sub: 'forged', scope: 'admin', client_id: 'x' }, context)).toEqual(
      {
        n: 1,
        yes: true,
        none: null,
        list: [1, 'two'],
      },
    );
  });

  it('refuses registered claims, variables inside text, unknown roots and oversized templates', () => {
    expect(() => validateClaimsTemplate({ scope: 'admin' })).toThrow('registered claim');
    // A Connected Apps token's mark: authorizeToken would refuse every token the template touched.
    expect(() => validateClaimsTemplate({ client_id: '{{ client.client_id }}' })).toThrow("another Stytch product's token");
    expect(() => validateClaimsTemplate({ 'https://stytch.com/session': {} })).toThrow("another Stytch product's token");
    expect(() => validateClaimsTemplate({ a: 'tier {{ client.trusted_metadata.tier }}' })).toThrow('whole value');
    expect(() => validateClaimsTemplate({ a: '{{ process.env.SECRET }}' })).toThrow('client. or request.');
    expect(() => validateClaimsTemplate({ a: 'x'.repeat(MAX_CUSTOM_CLAIMS_BYTES) })).toThrow('4096');
    expect(() => validateClaimsTemplate(['not', 'an', 'object'])).toThrow('JSON object');
  });

  it('refuses rendered claims larger than 4 KB', () => {
    const big = { client: { trusted_metadata: { blob: 'y'.repeat(5000) } }, request: {} };
    expect(() => renderClaims({ blob: '{{ client.trusted_metadata.blob }}' }, big)).toThrow('4096');
  });
});

describe('provided secret strength', () => {
  it('refuses short or low-entropy secrets and accepts varied ones', () => {
    expect(weakSecretReason('Ab1!')).toContain('at least 8');
    expect(weakSecretReason('aaaaaaaaaaaaaaaaaaaa')).toContain('too easy to guess');
    expect(weakSecretReason('12121212')).toContain('too easy to guess');
    expect(weakSecretReason('Xk9#mQ2v-Lp7@Zr4')).toBeUndefined();
    expect(estimateEntropyBits('Xk9#mQ2v-Lp7@Zr4')).toBeGreaterThan(estimateEntropyBits('password'));
  });
});
