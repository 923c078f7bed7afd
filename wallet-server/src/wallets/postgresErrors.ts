import { DatabaseError } from 'pg';

/**
 * Which failures of PostgreSQL or the driver mean "the database is unavailable" (a 503 the caller
 * may retry), as opposed to our own bug (a 500 with a stack). By SQLSTATE class when the server
 * answered: 08 connection, 28 authorization (a rotated password), 3D the database is gone,
 * 53 resources (too many connections), 57 operator intervention (57014: statement_timeout,
 * 57P01: the server is shutting down), 58 system; 40001 / 40P01 / 55P03 once retries are spent.
 */
const UNAVAILABLE_CLASSES = new Set(['08', '28', '3D', '53', '57', '58']);
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03']);

/** The driver's own failures, when no server answered (pg and pg-pool throw plain Errors with these messages). */
const DRIVER_FAILURES = [
  'timeout exceeded when trying to connect', // the pool had no connection to give within connectionTimeoutMillis
  'Connection terminated', // ...unexpectedly, or due to connection timeout
  'Query read timeout', // query_timeout: the server did not answer (a network partition)
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool', // shutting down
];

export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseError) {
    const code = err.code ?? '';
    return UNAVAILABLE_CLASSES.has(code.slice(0, 2)) || TRANSIENT_CODES.has(code);
  }
  // Read by shape, not `instanceof Error`: a socket's error may come from another realm (a vm, jest).
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  // A socket's errno: ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND, EHOSTUNREACH...
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return typeof message === 'string' && DRIVER_FAILURES.some((failure) => message.startsWith(failure));
}

/** Worth running the whole transaction again: it lost a race that a second run resolves. */
export function isRetryable(err: unknown): boolean {
  return err instanceof DatabaseError && (err.code === '40001' || err.code === '40P01');
}

/** A concurrent debit with the same (client, key) committed first: a second run replays it (or answers key_reused). */
export function isSameKeyRace(err: unknown): boolean {
  return err instanceof DatabaseError && err.code === '23505' && err.constraint === 'idempotent_debits_pkey';
}

/** The server answered with an error: the connection itself is fine, so a ROLLBACK on it can run. */
export const serverAnswered = (err: unknown): boolean => err instanceof DatabaseError;
