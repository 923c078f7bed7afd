/**
 * The TokenProvider's plain OAuth 2.0 mode (src/m2m/oauthTokenEndpoint.ts): an issuer URL found by
 * RFC 8414 discovery, or a token endpoint URL, here the wallet's own token endpoint in front of a
 * real auth-server; the same caching, single-flight and failure handling as with the Stytch SDK.
 */
import { freePort } from '../../test/support/freePort';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { TokenProvider, type TokenProviderOptions } from '../src/m2m/tokenProvider';
import { TokenUnavailableError } from '../src/m2m/tokenErrors';
import type { CountingProxy } from '../../test/support/countingProxy';
import {
  closeAll,
  createM2MClient,
  decodeJwt,
  sdk,
  startAuthBehindProxy,
  startWallet,
  type M2MCredentials,
} from '../../test/support/stack';

let auth: RunningAuthServer;
let proxy: CountingProxy;
let wallet: RunningWalletServer;
let credentials: M2MCredentials;
const providers: TokenProvider[] = [];

beforeAll(async () => {
  const behindProxy = await startAuthBehindProxy();
  ({ auth, proxy } = behindProxy);
  wallet = await startWallet(auth, {
    stytchProject: behindProxy.project,
    tokenFailureLimits: { perClientPerMinute: 1, perIpPerMinute: 100 },
  });
  credentials = await createM2MClient(sdk(auth), ['read:users', 'write:wallets'], 'oauth-mode');
});

afterAll(async () => {
  for (const provider of providers) provider.close();
  await closeAll(wallet, auth, proxy);
});

function provider(options: Partial<TokenProviderOptions> & Pick<TokenProviderOptions, 'oauth'>): TokenProvider {
  const made = new TokenProvider({
    credentials,
    maxAttempts: 3,
    retryBaseDelayMs: 10,
    retryMaxDelayMs: 20,
    ...options,
  } as TokenProviderOptions);
  providers.push(made);
  return made;
}

async function failure(promise: Promise<unknown>): Promise<TokenUnavailableError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenUnavailableError);
  return err as TokenUnavailableError;
}

it('discovers the token endpoint from the issuer; concurrent callers on a cold cache share one token request', async () => {
  const tokens = provider({ oauth: { issuer: wallet.url } });
  proxy.reset();
  const all = await Promise.all(Array.from({ length: 5 }, () => tokens.getToken(['read:users'])));
  expect(new Set(all).size).toBe(1);
  expect(decodeJwt(all[0]!).payload).toMatchObject({ sub: credentials.clientId, scope: 'read:users' });
  expect(tokens.stats()).toMatchObject({ tokenRequests: 1, cacheHits: 0 });
  expect(proxy.tokenRequestTotal()).toBe(1);
  // Another scope set is another token, from the same discovered endpoint.
  expect(decodeJwt(await tokens.getToken(['write:wallets'])).payload.scope).toBe('write:wallets');
});

it('takes a token endpoint URL instead of an issuer', async () => {
  const tokens = provider({ oauth: { tokenEndpoint: new URL('oauth2/token', wallet.url).toString() } });
  expect(decodeJwt(await tokens.getToken([])).payload.scope).toBe('read:users write:wallets');
});

it('a wrong secret fails at once (invalid_client, one attempt); then the endpoint`s 429 backs the provider off for its Retry-After', async () => {
  const tokens = provider({ oauth: { issuer: wallet.url }, credentials: { ...credentials, clientSecret: 'wrong-secret-0123456789' } });
  expect(await failure(tokens.getToken(['read:users']))).toMatchObject({ reason: 'invalid_client', retryable: false, attempts: 1 });
  const limited = await failure(tokens.getToken(['read:users']));
  expect(limited).toMatchObject({ reason: 'auth_server_rate_limited' });
  expect(limited.retryAfterSeconds).toBeGreaterThan(0);
});

it('metadata of another issuer is refused (RFC 8414 §3.3), and not retried', async () => {
  // The same server under another name: its metadata says 127.0.0.1, not localhost.
  const tokens = provider({ oauth: { issuer: wallet.url.replace('127.0.0.1', 'localhost') } });
  const err = await failure(tokens.getToken(['read:users']));
  expect(err).toMatchObject({ reason: 'auth_server_error', retryable: false, attempts: 1 });
  expect(err.message).toContain('is of issuer');
});

it('an unreachable issuer is retried, then reported as unreachable', async () => {
  const closedPort = await freePort();
  const tokens = provider({ oauth: { issuer: `http://127.0.0.1:${closedPort}` } });
  expect(await failure(tokens.getToken(['read:users']))).toMatchObject({ reason: 'auth_server_unreachable', retryable: true, attempts: 3 });
});

it.each([
  [
    'both sources',
    { oauth: { issuer: 'https://a.example' }, stytch: sdk({ projectId: 'p', projectSecret: 's', url: 'http://127.0.0.1:1/' }) },
    'not both',
  ],
  ['an issuer and a token endpoint', { oauth: { issuer: 'https://a.example', tokenEndpoint: 'https://a.example/t' } }, 'exactly one'],
  ['plain http to another host', { oauth: { issuer: 'http://wallet.example' } }, 'must be https'],
  ['an issuer with a query', { oauth: { issuer: 'https://a.example/?x=1' } }, 'no query'],
  ['no URL at all', { oauth: { issuer: 'wallet' } }, 'absolute URL'],
])('refuses %s at construction (TypeError)', (_what, source, message) => {
  expect(() => new TokenProvider({ credentials, ...source } as unknown as TokenProviderOptions)).toThrow(
    expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(message) }),
  );
});
