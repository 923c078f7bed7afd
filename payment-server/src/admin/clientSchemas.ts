import { z } from 'zod';
import { M2MClientFields, M2MClientId, SearchM2MClientsRequest, UpdateM2MClientRequest } from '@m2m/shared';

export const ClientIdParam = M2MClientId;

/** Stytch's search request; checked here so a typo answers 400 with the field, not a 4xx from upstream. */
export const SearchClientsRequest = SearchM2MClientsRequest;
export type SearchClientsRequest = z.infer<typeof SearchClientsRequest>;

/** What an admin may change on a client (Stytch's update fields), at least one of them. */
export const UpdateClientRequest = UpdateM2MClientRequest.refine(
  (body) => Object.keys(body).length > 0,
  'give at least one of client_name, client_description, status, scopes, trusted_metadata',
);
export type UpdateClientRequest = z.infer<typeof UpdateClientRequest>;

/**
 * A new client. client_id and client_secret are left to Stytch on purpose: a generated secret has
 * full entropy, and it travels only in the create answer.
 */
export const CreateClientRequest = z.strictObject({
  scopes: M2MClientFields.scopes,
  client_name: M2MClientFields.client_name.optional(),
  client_description: M2MClientFields.client_description.optional(),
  trusted_metadata: M2MClientFields.trusted_metadata.optional(),
});
export type CreateClientRequest = z.infer<typeof CreateClientRequest>;
