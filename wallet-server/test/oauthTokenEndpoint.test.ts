/**
 * The wallet's own token endpoint (src/oauth/): a real auth-server behind a counting proxy, the
 * wallet in front of it, and a generic OAuth client (openid-client) that knows only the wallet's URL.
 */
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import type * as stytch from 'stytch';
import type { CountingProxy } from '../../test/support/countingProxy';
import { genericClientCredentials } from '../../test/support/genericOAuthClient';
import { at, basic, bearer, get, post, request } from '../../test/support/http';
import {
  closeAll,
  createM2MClient,
  decodeJwt,
  JOHN,
  sdk,
  startAuthBehindProxy,
  startWallet,
  type M2MCredentials,
} from '../../test/support/stack';

let auth: RunningAuthServer;
let proxy: CountingProxy;
let wallet: RunningWalletServer;
let admin: stytch.Client;
let service: M2MCredentials;
/** The wallet's URL without a trailing slash: its issuer. */
let issuer: string;
const FAILURES_PER_CLIENT = 3;

beforeAll(async () => {
  const behindProxy = await startAuthBehindProxy();
  ({ auth, proxy } = behindProxy);
  admin = sdk(auth);
  wallet = await startWallet(auth, {
    stytchProject: behindProxy.project,
    tokenFailureLimits: { perClientPerMinute: FAILURES_PER_CLIENT, perIpPerMinute: 100 },
  });
  issuer = wallet.url.replace(/\/$/, '');
  service = await createM2MClient(admin, ['read:users', 'write:wallets'], 'customer-service');
});

afterAll(() => closeAll(wallet, auth, proxy));

const tokenUrl = () => at(wallet.url, '/oauth2/token');
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function postForm(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return request('POST', tokenUrl(), { body: form(fields), headers: { ...FORM, ...headers } });
}

describe('a generic OAuth client, given only the wallet URL', () => {
  it.each(['basic', 'post'] as const)(
    'discovers the token endpoint, gets a token (client_secret_%s) and calls the wallet with it',
    async (method) => {
      const outcome = await genericClientCredentials(issuer, service, { scope: 'read:users', method });
      if (!outcome.ok) throw new Error(`openid-client failed: ${outcome.message}`);
      expect(outcome.token_endpoint).toBe(`${issuer}/oauth2/token`);
      expect(outcome.jwks_uri).toBe(`${issuer}/.well-known/jwks.json`);
      expect(outcome.tokens).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'read:users' });
      // The token is Stytch's own: its `iss` stays the project's, and the wallet accepts it.
      expect(decodeJwt(outcome.tokens.access_token).payload).toMatchObject({ sub: service.clientId, scope: 'read:users' });
      const balance = await post(
        at(wallet.url, '/api/check-balance'),
        { customerId: JOHN.customerId },
        {
          Authorization: bearer(outcome.tokens.access_token),
        },
      );
      expect(balance.status).toBe(200);
      expect(balance.body).toMatchObject({ walletId: JOHN.walletId });
    },
  );

  it('gets RFC 6749 invalid_client from openid-client for a wrong secret', async () => {
    const outcome = await genericClientCredentials(issuer, { ...service, clientSecret: 'wrong-secret-0123456789' });
    expect(outcome).toMatchObject({ ok: false, error: 'invalid_client', status: 401 });
  });
});

describe('POST /oauth2/token', () => {
  it('answers in plain RFC 6749: no Stytch envelope, no-store, never the project id; scope narrowed as asked', async () => {
    const res = await postForm(
      { grant_type: 'client_credentials', scope: 'write:wallets' },
      { Authorization: basic(service.clientId, service.clientSecret) },
    );
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'write:wallets' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.text.replace(res.body.access_token, '')).not.toContain(auth.projectId);
  });

  it('takes JSON with client_secret_post; without a scope the token carries all of the client`s scopes', async () => {
    const res = await post(tokenUrl(), {
      grant_type: 'client_credentials',
      client_id: service.clientId,
      client_secret: service.clientSecret,
    });
    expect(res.status).toBe(200);
    expect(res.body.scope.split(' ').sort()).toEqual(['read:users', 'write:wallets']);
  });

  it('a wrong secret: 401 invalid_client, RFC 6749 body only, a Basic challenge, not a word of Stytch', async () => {
    const res = await postForm(
      { grant_type: 'client_credentials' },
      { Authorization: basic(service.clientId, 'not-the-secret-0123456789') },
    );
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: 'invalid_client',
      error_description: 'Client authentication failed: unknown client, wrong secret, or inactive client',
    });
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="oauth2"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text).not.toMatch(/status_code|request_id|error_type|stytch/i);
    expect(res.text).not.toContain(auth.projectId);
  });

  it.each([
    ['no grant_type', { client_id: 'x', client_secret: 'y' }, 400, 'invalid_request'],
    ['another grant', { grant_type: 'password', client_id: 'x', client_secret: 'y' }, 400, 'unsupported_grant_type'],
    ['no credentials', { grant_type: 'client_credentials' }, 401, 'invalid_client'],
    [
      'a resource that is not an absolute URI',
      { grant_type: 'client_credentials', client_id: 'x', client_secret: 'y', resource: 'wallet' },
      400,
      'invalid_target',
    ],
    [
      'a scope with a quote',
      { grant_type: 'client_credentials', client_id: 'x', client_secret: 'y', scope: 'read:"users' },
      400,
      'invalid_scope',
    ],
  ])('refuses %s before calling Stytch', async (_what, fields, status, error) => {
    const before = proxy.tokenRequestTotal();
    const res = await postForm(fields);
    expect([res.status, res.body.error]).toEqual([status, error]);
    expect(typeof res.body.error_description).toBe('string');
    expect(proxy.tokenRequestTotal()).toBe(before);
  });

  it('forwards RFC 8707 resource indicators to Stytch, each of them', async () => {
    proxy.reset();
    const body = new URLSearchParams({ grant_type: 'client_credentials', scope: 'read:users' });
    body.append('resource', `${issuer}/api`);
    body.append('resource', 'https://mcp.example.com/');
    const res = await request('POST', tokenUrl(), {
      body: body.toString(),
      headers: { ...FORM, Authorization: basic(service.clientId, service.clientSecret) },
    });
    expect(proxy.tokenResources()).toEqual({ [`${issuer}/api`]: 1, 'https://mcp.example.com/': 1 });
    // A token, or (an authorization server that binds audiences and knows neither resource) RFC 8707's refusal.
    expect(res.status === 200 ? res.body.token_type : res.body.error).toBe(res.status === 200 ? 'bearer' : 'invalid_target');
  });

  it('a scope the client does not hold: 400 invalid_scope, without the project id', async () => {
    const res = await postForm(
      { grant_type: 'client_credentials', scope: 'manage:credentials' },
      { Authorization: basic(service.clientId, service.clientSecret) },
    );
    expect([res.status, res.body.error]).toEqual([400, 'invalid_scope']);
    expect(res.text).not.toContain(auth.projectId);
  });

  it('an unreadable body and a wrong method keep the RFC 6749 shape', async () => {
    const bad = await request('POST', tokenUrl(), { body: '{"grant_type":', headers: { 'content-type': 'application/json' } });
    expect([bad.status, bad.body.error]).toEqual([400, 'invalid_request']);
    const wrongMethod = await get(tokenUrl());
    expect([wrongMethod.status, wrongMethod.body.error, wrongMethod.headers.get('allow')]).toEqual([405, 'invalid_request', 'POST']);
  });

  it(`after ${FAILURES_PER_CLIENT} wrong secrets from one address, 429 with Retry-After, and Stytch is not asked again`, async () => {
    const victim = await createM2MClient(admin, ['read:users'], 'guessed-client');
    const wrong = { Authorization: basic(victim.clientId, 'guess-0123456789abcdef') };
    for (let i = 0; i < FAILURES_PER_CLIENT; i++) expect((await postForm({ grant_type: 'client_credentials' }, wrong)).status).toBe(401);
    const before = proxy.tokenRequestTotal();
    const limited = await postForm({ grant_type: 'client_credentials' }, wrong);
    expect([limited.status, limited.body.error]).toEqual([429, 'too_many_requests']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(proxy.tokenRequestTotal()).toBe(before);
    // Another client from the same address is not locked out by it.
    const other = await postForm({ grant_type: 'client_credentials' }, { Authorization: basic(service.clientId, service.clientSecret) });
    expect(other.status).toBe(200);
  });

  it('Stytch unreachable: 503 temporarily_unavailable with Retry-After, in RFC 6749 form', async () => {
    proxy.setTokenMode('drop');
    try {
      const res = await postForm({ grant_type: 'client_credentials' }, { Authorization: basic(service.clientId, service.clientSecret) });
      expect([res.status, res.body.error, res.headers.get('retry-after')]).toEqual([503, 'temporarily_unavailable', '5']);
    } finally {
      proxy.setTokenMode('forward');
    }
    // Not the caller's failure: its budget is untouched, and the next request gets a token.
    const res = await postForm({ grant_type: 'client_credentials' }, { Authorization: basic(service.clientId, service.clientSecret) });
    expect(res.status).toBe(200);
  });
});

describe('discovery', () => {
  it('serves RFC 8414 metadata whose issuer is the wallet URL, and RFC 9728 points at it', async () => {
    const metadata = await get(at(wallet.url, '/.well-known/oauth-authorization-server'));
    expect(metadata.status).toBe(200);
    expect(metadata.body).toEqual({
      issuer,
      authorization_endpoint: `${issuer}/oauth2/authorize`,
      token_endpoint: `${issuer}/oauth2/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['read:users', 'write:wallets', 'manage:credentials'],
      response_types_supported: [],
    });
    expect(metadata.text).not.toContain(auth.projectId);
    const resource = await get(at(wallet.url, '/.well-known/oauth-protected-resource'));
    expect(resource.body.authorization_servers).toEqual([issuer]);
  });

  it('has an authorization endpoint only because MCP clients require one: it refuses every flow (RFC 6749)', async () => {
    const res = await get(at(wallet.url, '/oauth2/authorize?response_type=code&client_id=x'));
    expect([res.status, res.body.error]).toEqual([400, 'unsupported_response_type']);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('serves the project keys from its own URL, cached: they keep serving while Stytch is unreachable', async () => {
    const upstream = await get(at(auth.url, `/v1/sessions/jwks/${auth.projectId}`));
    const first = await get(at(wallet.url, '/.well-known/jwks.json'));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ keys: upstream.body.keys });
    expect(first.headers.get('cache-control')).toBe('public, max-age=60');
    proxy.setMode('drop');
    try {
      const cached = await get(at(wallet.url, '/.well-known/jwks.json'));
      expect([cached.status, cached.body]).toEqual([200, { keys: upstream.body.keys }]);
    } finally {
      proxy.setMode('forward');
    }
  });
});
