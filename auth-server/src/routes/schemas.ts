import { M2MClientFields, M2MClientId } from '@m2m/shared';
import { z } from 'zod';

export { SearchM2MClientsRequest as searchClientsBody, UpdateM2MClientRequest as updateClientBody } from '@m2m/shared';

/** Creation also accepts a client's own id and secret (an import), unlike the payment-server's admin route. */
export const createClientBody = z.strictObject({
  scopes: M2MClientFields.scopes,
  client_id: M2MClientId.optional(),
  client_secret: z.string().max(256).optional(),
  client_name: M2MClientFields.client_name.optional(),
  client_description: M2MClientFields.client_description.optional(),
  trusted_metadata: M2MClientFields.trusted_metadata.optional(),
});

/**
 * `POST /v1/local/signing-keys/rotate`: `force` rotates even to a next key published too recently;
 * `revoke_previous` removes the old key from the JWKS at once instead of when its tokens expire.
 */
export const rotateKeysBody = z.strictObject({ force: z.boolean().default(false), revoke_previous: z.boolean().default(false) });

/**
 * `POST /v1/local/m2m/custom-claims-preview`: the claims `client_id` would get, with the stored
 * template or a draft `template`, and `request` as the extra token-endpoint parameters.
 */
export const claimsPreviewBody = z.strictObject({
  client_id: M2MClientId,
  template: z.record(z.string(), z.unknown()).optional(),
  request: z.record(z.string(), z.unknown()).optional(),
});
