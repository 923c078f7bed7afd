import { z } from 'zod';
import { M2MClientFields, M2MClientId } from '@m2m/shared';

export const TenantClientIdParam = M2MClientId;

/**
 * A new client of the caller's tenant. No trusted_metadata: the wallet sets it (the tenant id), so a
 * tenant can't name another; no client_id or secret: Stytch generates them, and the secret travels
 * only in the create answer.
 */
export const CreateTenantClientRequest = z.strictObject({
  scopes: M2MClientFields.scopes.min(1, 'give at least one scope'),
  client_name: M2MClientFields.client_name.optional(),
  client_description: M2MClientFields.client_description.optional(),
});
export type CreateTenantClientRequest = z.infer<typeof CreateTenantClientRequest>;
