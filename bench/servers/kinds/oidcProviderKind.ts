import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';
import { lowerThreadPoolPriority } from '@m2m/auth-server';
import { closeServer } from '@m2m/shared';
import type { HostedServer } from '../hosted';

export interface OidcProviderInfo {
  url: string;
  /** The token endpoint's path (oidc-provider's default route). */
  tokenPath: string;
  clientId: string;
  clientSecret: string;
}

const RESOURCE = 'urn:bench:wallet-server';
const SCOPES = 'read:users write:wallets';

/**
 * The peer of scenario 3: panva's oidc-provider (a certified OpenID Provider, Koa inside) on its own
 * http.Server, with one client-credentials client and a resource server whose access tokens are
 * RS256 JWTs, as the auth-server issues them. Its in-memory adapter keeps nothing for a JWT access token.
 */
export interface OidcProviderOptions {
  /**
   * Run its thread pool below its event loop, as the auth-server's entry point does for its own: jose
   * signs with WebCrypto, on the same pool, so the peer gains from it too (scenario 3 shows both).
   */
  lowerThreadPool?: boolean;
}

export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<HostedServer<OidcProviderInfo>> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' };
  const clientId = 'bench-payment-service';
  const clientSecret = 'bench-payment-service-secret-0123456789abcdef';
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const provider = new Provider(url, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_post',
        scope: SCOPES,
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
    scopes: SCOPES.split(' '),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: SCOPES,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 3600,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  const handle = provider.callback();
  server.on('request', (req, res) => void handle(req, res));
  if (options.lowerThreadPool) await lowerThreadPoolPriority();
  return {
    info: { url, tokenPath: '/token', clientId, clientSecret },
    close: () => closeServer(server, 2000),
  };
}
