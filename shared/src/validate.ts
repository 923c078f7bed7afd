import { z } from 'zod';
import { HttpError } from './httpErrors';

/** Parses `input` with `schema`, or throws a 400 whose message names each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new HttpError(400, 'invalid_request', describeIssues(result.error, what));
}

/** One problem per field (the first), at most five fields: each message says its thing once. */
export function describeIssues(error: z.ZodError, what = 'body'): string {
  const byField = new Map<string, string>();
  for (const issue of error.issues) {
    const field = issue.path.length ? issue.path.join('.') : what;
    if (!byField.has(field)) byField.set(field, `${field}: ${issue.message}`);
  }
  return [...byField.values()].slice(0, 5).join('; ');
}
