/**
 * Servers under load log at warn: an access line per request would measure the log pipe, not
 * the auth path, and it would weigh the same on both sides of every ratio anyway.
 */
export const BENCH_LOG_LEVEL = 'warn';
