import { Router } from 'express';
import { MANAGE_CREDENTIALS_SCOPE, methodNotAllowed, SCOPES } from '@m2m/shared';
import { JWKS_PATH } from './jwksProxy';
import { OAuthError, oauthErrorHandler } from './oauthError';
import { TOKEN_PATH } from './tokenRoute';

export const AUTHORIZATION_SERVER_METADATA_PATH = '/.well-known/oauth-authorization-server';
export const AUTHORIZE_PATH = '/oauth2/authorize';

/**
 * RFC 8414 metadata for the wallet's token endpoint. `issuer` is the wallet's public URL, as §3.3
 * requires of the URL the metadata is read from: a client that discovers from the wallet's URL
 * checks exactly that. The tokens' `iss` stays Stytch's (`stytch.com/{project_id}`): the wallet
 * forwards, it does not sign, and every resource server keeps verifying Stytch's tokens with the
 * SDK. A client-credentials client never reads `iss` (access tokens are opaque to it, RFC 6749 §1.4),
 * so nothing a client checks is inconsistent; a verifier that compares `iss` to this `issuer` must
 * be told the project's issuer instead.
 */
export function authorizationServerMetadata(issuer: string) {
  return {
    issuer,
    // RFC 8414 lets a client-credentials-only server omit it, but MCP clients (the MCP SDK's metadata
    // schema) require one: it exists, and refuses every flow (below).
    authorization_endpoint: `${issuer}${AUTHORIZE_PATH}`,
    token_endpoint: `${issuer}${TOKEN_PATH}`,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: [...Object.values(SCOPES), MANAGE_CREDENTIALS_SCOPE],
    // Client credentials only: the authorization endpoint takes no response type.
    response_types_supported: [],
  };
}

/** `GET /.well-known/oauth-authorization-server`; `issuer` is a function since an ephemeral port is known only once listening. */
export function authorizationServerMetadataRoute(issuer: () => string): Router {
  const router = Router();
  router
    .route(AUTHORIZATION_SERVER_METADATA_PATH)
    .get((_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.json(authorizationServerMetadata(issuer()));
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  // No user ever authorizes here: machines get tokens by client credentials alone.
  router.all(AUTHORIZE_PATH, () => {
    throw new OAuthError(
      400,
      'unsupported_response_type',
      `This authorization server issues tokens by client credentials only: POST grant_type=client_credentials to ${TOKEN_PATH}`,
    );
  });
  router.use(AUTHORIZE_PATH, oauthErrorHandler());
  return router;
}
