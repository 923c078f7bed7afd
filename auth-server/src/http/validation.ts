import { describeIssues } from '@m2m/shared';
import type { z } from 'zod';
import { AuthServerError } from '../errors';

/** Parses a request body with `schema`, or throws Stytch's 400 naming each bad field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  throw new AuthServerError(400, 'invalid_request', describeIssues(result.error));
}
