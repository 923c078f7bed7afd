import { z } from 'zod';

/**
 * Stytch's M2M client requests (docs/stytch-api-mapping.md), validated the same way by the auth-server that
 * serves them and by the payment-server's admin routes that send them.
 */

/** RFC 6749 §3.3 scope-token characters; a space separates scopes, so it can't be inside one. */
export const M2MScope = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is printable ASCII without spaces, quotes or backslashes');

/** Client ids travel in URL paths and in Basic credentials: keep them to unreserved URL characters. */
export const M2MClientId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._~-]+$/, 'a client_id may contain only letters, digits, ".", "_", "~" and "-"')
  // "." and ".." are dot-segments (RFC 3986 §5.2.4): /v1/m2m/clients/.. collapses on the way, so such a
  // client could never be read, updated or deleted. Every other id here is one path segment as it is.
  .refine((id) => id !== '.' && id !== '..', 'a client_id may not be "." or "..": it would not survive in a URL path');

const TrustedMetadata = z
  .record(z.string(), z.unknown())
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= 4096, 'trusted_metadata must be at most 4096 bytes of JSON');

/** The fields a client is described by, at creation and in an update. */
export const M2MClientFields = {
  scopes: z.array(M2MScope).max(100),
  client_name: z.string().max(256),
  client_description: z.string().max(1024),
  trusted_metadata: TrustedMetadata,
};

export const UpdateM2MClientRequest = z.strictObject({
  client_name: M2MClientFields.client_name.optional(),
  client_description: M2MClientFields.client_description.optional(),
  status: z.enum(['active', 'inactive']).optional(),
  scopes: M2MClientFields.scopes.optional(),
  trusted_metadata: M2MClientFields.trusted_metadata.optional(),
});
export type UpdateM2MClientRequest = z.infer<typeof UpdateM2MClientRequest>;

export const SearchM2MClientsRequest = z.strictObject({
  cursor: z.string().min(1).max(256).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  query: z
    .strictObject({
      operator: z.enum(['AND', 'OR']),
      operands: z
        .array(
          z.strictObject({
            filter_name: z.enum(['client_id', 'client_name', 'scopes']),
            filter_value: z.array(z.string().min(1).max(256)).min(1).max(1000),
          }),
        )
        .max(20),
    })
    .optional(),
});
export type SearchM2MClientsRequest = z.infer<typeof SearchM2MClientsRequest>;
