import { z } from 'zod';

/** RFC 6749 §3.3 scope-token characters; a space separates scopes, so it can't be inside one. */
export const scopeToken = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is printable ASCII without spaces, quotes or backslashes');

/** Client ids travel in URL paths and in Basic credentials: keep them to unreserved URL characters. */
export const clientId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._~-]+$/, 'a client_id may contain only letters, digits, ".", "_", "~" and "-"');

const trustedMetadata = z
  .record(z.string(), z.unknown())
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= 4096, 'trusted_metadata must be at most 4096 bytes of JSON');

export const createClientBody = z.strictObject({
  scopes: z.array(scopeToken).max(100),
  client_id: clientId.optional(),
  client_secret: z.string().max(256).optional(),
  client_name: z.string().max(256).optional(),
  client_description: z.string().max(1024).optional(),
  trusted_metadata: trustedMetadata.optional(),
});

export const updateClientBody = z.strictObject({
  client_name: z.string().max(256).optional(),
  client_description: z.string().max(1024).optional(),
  status: z.enum(['active', 'inactive']).optional(),
  scopes: z.array(scopeToken).max(100).optional(),
  trusted_metadata: trustedMetadata.optional(),
});

export const searchClientsBody = z.strictObject({
  cursor: z.string().max(256).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  query: z
    .object({
      operator: z.enum(['AND', 'OR']),
      operands: z
        .array(
          z.object({
            filter_name: z.enum(['client_id', 'client_name', 'scopes']),
            filter_value: z.array(z.string().max(256)).min(1).max(1000),
          }),
        )
        .max(20),
    })
    .optional(),
});

/** `POST /v1/local/signing-keys/rotate`: `force` rotates even to a next key published too recently. */
export const rotateKeysBody = z.strictObject({ force: z.boolean().default(false) });
