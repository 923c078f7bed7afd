import { Router } from 'express';
import { OAuthError } from '../http/apiErrors';
import { stytchMethodNotAllowed } from '../http/errorHandler';

export interface DiscoveryDeps {
  projectId: string;
  /** The public base URL without a trailing slash: the `iss` of every token. */
  issuer: string;
}

/**
 * RFC 8414 authorization server metadata, also served as OpenID Provider metadata, so generic
 * OAuth clients and JWT verifiers (openid-client, jose, express-oauth2-jwt-bearer) find the token
 * endpoint and the keys. `issuer` equals the tokens' `iss`, as both specs require.
 */
export function discoveryRoutes({ projectId, issuer }: DiscoveryDeps): Router {
  const metadata = {
    issuer,
    // RFC 8414 lets a client-credentials-only server omit it, but MCP clients (the MCP SDK's metadata
    // schema) require one: it exists, and refuses every flow (below).
    authorization_endpoint: `${issuer}/v1/public/${projectId}/oauth2/authorize`,
    token_endpoint: `${issuer}/v1/public/${projectId}/oauth2/token`,
    jwks_uri: `${issuer}/v1/sessions/jwks/${projectId}`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // No authorization endpoint: client credentials only. OpenID metadata still requires the two below.
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
  const router = Router();
  for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    router
      .route(path)
      .get((_req, res) => {
        res.setHeader('Cache-Control', 'public, max-age=300');
        res.json(metadata);
      })
      .all(stytchMethodNotAllowed(['GET']));
  }
  // No user ever authorizes here: machines get tokens by client credentials alone.
  router.all('/v1/public/:project_id/oauth2/authorize', () => {
    throw new OAuthError(
      400,
      'unsupported_response_type',
      'This authorization server issues tokens by client credentials only: POST grant_type=client_credentials to its token_endpoint',
    );
  });
  return router;
}
