import { createStytchClient } from '@m2m/shared';
import { TokenProvider, type TokenProviderOptions } from '../src/m2m/tokenProvider';

/**
 * The TokenProvider's options are checked at construction (as jose's validateDuration does): a wrong
 * value is a TypeError naming the option, not a provider that never retries, never refreshes or
 * fires its timers at once. Nothing here reaches the network: the SDK only calls out from getToken.
 */
const stytch = createStytchClient({ projectId: 'project-test-options', secret: 'secret-test-options', baseUrl: 'http://127.0.0.1:9/' });
const credentials = { clientId: 'm2m-client-test-options', clientSecret: 'client-secret-never-shown' };
const providers: TokenProvider[] = [];
afterEach(() => {
  for (const provider of providers.splice(0)) provider.close();
});

const build = (options: Partial<Record<keyof TokenProviderOptions, unknown>>) => () => {
  providers.push(new TokenProvider({ stytch, credentials, ...options } as TokenProviderOptions));
};

describe('TokenProvider options', () => {
  it('takes the defaults, and any value in range', () => {
    expect(build({})).not.toThrow();
    expect(
      build({
        refreshMarginSeconds: 0.5,
        refreshMarginRatio: 0.5,
        minRemainingSeconds: 0.5,
        maxAttempts: 1,
        retryBaseDelayMs: 0,
        retryMaxDelayMs: 0,
        requestTimeoutMs: 1,
        rateLimitBackoffSeconds: 0.1,
        logger: { debug: () => {}, warn: () => {} },
        now: () => 0,
      }),
    ).not.toThrow();
  });

  const NOT_NUMBERS = [NaN, Infinity, '5', null, {}];
  it.each([
    ['refreshMarginSeconds', [...NOT_NUMBERS, -1]],
    ['refreshMarginRatio', [...NOT_NUMBERS, -0.1, 0.6, 1]],
    ['minRemainingSeconds', [...NOT_NUMBERS, -1]],
    ['maxAttempts', [...NOT_NUMBERS, 0, -1, 2.5]],
    ['retryBaseDelayMs', [...NOT_NUMBERS, -1, 1.5, 2 ** 31]],
    ['retryMaxDelayMs', [...NOT_NUMBERS, -1, 1.5, 2 ** 31]],
    ['requestTimeoutMs', [...NOT_NUMBERS, 0, -1, 1.5, 2 ** 31]],
    ['rateLimitBackoffSeconds', [...NOT_NUMBERS, 0, -1]],
  ])('%s: refuses each wrong value with a TypeError naming it', (name, wrongs) => {
    for (const wrong of wrongs) {
      expect(build({ [name]: wrong })).toThrow(TypeError);
      expect(build({ [name]: wrong })).toThrow(new RegExp(`^TokenProvider: ${name} must be `));
    }
  });

  it('shows a wrong value so that a string does not pass for a number', () => {
    expect(build({ maxAttempts: '5' })).toThrow('TokenProvider: maxAttempts must be a whole number of at least 1 (got "5")');
    expect(build({ maxAttempts: NaN })).toThrow('(got NaN)');
    expect(build({ maxAttempts: null })).toThrow('(got object)');
  });

  it('refuses a retry cap below the retry base', () => {
    expect(build({ retryBaseDelayMs: 500, retryMaxDelayMs: 100 })).toThrow(
      'TokenProvider: retryMaxDelayMs (100) must be at least retryBaseDelayMs (500)',
    );
    // Against the defaults too (base 100 ms).
    expect(build({ retryMaxDelayMs: 50 })).toThrow(/retryMaxDelayMs \(50\) must be at least retryBaseDelayMs \(100\)/);
  });

  it('refuses a hand-out floor above the refresh margin: the token would stop being handed out before its refresh starts', () => {
    expect(build({ refreshMarginSeconds: 10, minRemainingSeconds: 20 })).toThrow(
      /^TokenProvider: minRemainingSeconds \(20\) must be at most refreshMarginSeconds \(10\)/,
    );
    expect(build({ minRemainingSeconds: 90 })).toThrow(/minRemainingSeconds \(90\) must be at most refreshMarginSeconds \(60\)/);
    expect(build({ refreshMarginSeconds: 20, minRemainingSeconds: 20 })).not.toThrow();
  });

  it.each([
    ['stytch', undefined],
    ['stytch', {}],
    ['stytch', { m2m: {} }],
    ['logger', console.log],
    ['logger', { warn: () => {} }],
    ['now', 1_700_000_000_000],
  ])('%s: refuses %p with a TypeError naming it', (name, wrong) => {
    expect(build({ [name]: wrong })).toThrow(new RegExp(`^TokenProvider: ${name} must `));
  });

  it.each([
    ['missing', undefined, 'credentials.clientId'],
    ['no client id', { clientSecret: 'client-secret-never-shown' }, 'credentials.clientId'],
    ['an empty client id', { clientId: '', clientSecret: 'client-secret-never-shown' }, 'credentials.clientId'],
    ['no secret', { clientId: 'm2m-client-test-options' }, 'credentials.clientSecret'],
    ['a secret that is not a string', { clientId: 'm2m-client-test-options', clientSecret: 42 }, 'credentials.clientSecret'],
  ])('credentials: refuses %s, naming the field', (_what, wrong, field) => {
    expect(build({ credentials: wrong })).toThrow(`TokenProvider: ${field} must be a non-empty string`);
  });

  it('setCredentials checks them too, and keeps the ones in use after a refusal', () => {
    const provider = new TokenProvider({ stytch, credentials });
    providers.push(provider);
    expect(() => provider.setCredentials({ clientId: 'm2m-client-test-options', clientSecret: '' })).toThrow(
      'TokenProvider: credentials.clientSecret must be a non-empty string',
    );
    expect(provider.clientId).toBe(credentials.clientId);
  });
});
