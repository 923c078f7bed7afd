import { z } from 'zod';
import { HttpError } from './httpErrors';

/** Parses `input` with `schema`, or throws a 400 whose message names each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new HttpError(400, 'invalid_request', describeIssues(result.error, what));
}

export function describeIssues(error: z.ZodError, what = 'body'): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const field = issue.path.length ? issue.path.join('.') : what;
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}
