import type { Request } from 'express';
import { SCOPES } from '@m2m/shared';

export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/** This server's URL: the configured public URL, or else the one the caller used (scheme and Host). */
export function resourceUrl(publicUrl: string | undefined, req: Request): string {
  return (publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`).replace(/\/+$/, '');
}

/** RFC 9728 §2: what a client needs to know to call this resource server. */
export function protectedResourceMetadata(resource: string, authorizationServer: string) {
  return {
    resource,
    authorization_servers: [authorizationServer],
    scopes_supported: Object.values(SCOPES),
    bearer_methods_supported: ['header'],
    resource_name: 'wallet-server',
  };
}
