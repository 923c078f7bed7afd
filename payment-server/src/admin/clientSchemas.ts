import { z } from 'zod';

/** Stytch's scope syntax: `action:resource` or a plain word, no spaces. */
const Scope = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable characters without spaces');
const Scopes = z.array(Scope).max(100);
const Name = z.string().max(256);
const Description = z.string().max(1024);
const TrustedMetadata = z.record(z.string(), z.unknown());

export const ClientIdParam = z.string().regex(/^[\w.:-]{1,128}$/, 'must be a client id (letters, digits, - _ . :)');

/** Stytch's search request (STYTCH_M2M_API.md); checked here so a typo answers 400 with the field, not a 4xx from upstream. */
export const SearchClientsRequest = z
  .object({
    cursor: z.string().min(1).max(1024).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    query: z
      .object({
        operator: z.enum(['AND', 'OR']),
        operands: z
          .array(
            z
              .object({
                filter_name: z.enum(['client_id', 'client_name', 'scopes']),
                filter_value: z.array(z.string().min(1).max(256)).min(1).max(100),
              })
              .strict(),
          )
          .max(20),
      })
      .strict()
      .optional(),
  })
  .strict();
export type SearchClientsRequest = z.infer<typeof SearchClientsRequest>;

/** What an admin may change on a client (Stytch's update fields). */
export const UpdateClientRequest = z
  .object({
    client_name: Name.optional(),
    client_description: Description.optional(),
    status: z.enum(['active', 'inactive']).optional(),
    scopes: Scopes.optional(),
    trusted_metadata: TrustedMetadata.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'give at least one of client_name, client_description, status, scopes, trusted_metadata');
export type UpdateClientRequest = z.infer<typeof UpdateClientRequest>;

/**
 * A new client. client_id and client_secret are left to Stytch on purpose: a generated secret has
 * full entropy, and it travels only in the create answer.
 */
export const CreateClientRequest = z
  .object({
    scopes: Scopes,
    client_name: Name.optional(),
    client_description: Description.optional(),
    trusted_metadata: TrustedMetadata.optional(),
  })
  .strict();
export type CreateClientRequest = z.infer<typeof CreateClientRequest>;
