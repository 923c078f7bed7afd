import { MANAGE_CREDENTIALS_SCOPE, SCOPES } from '@m2m/shared';

export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/**
 * This server's URL, without a trailing slash. Never taken from a request (Host, X-Forwarded-Host):
 * the metadata is cacheable (public, max-age=300), so a reflected header would be served to others.
 */
export function resourceUrl(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

/**
 * RFC 9728 §2: what a client needs to know to call this resource server. The authorization server is
 * the wallet itself (its RFC 8414 metadata and token endpoint, oauth/), in front of the Stytch project.
 */
export function protectedResourceMetadata(resource: string, authorizationServer: string) {
  return {
    resource,
    authorization_servers: [authorizationServer],
    scopes_supported: [...Object.values(SCOPES), MANAGE_CREDENTIALS_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: 'wallet-server',
  };
}
