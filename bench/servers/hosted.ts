/** What a server the bench runs in its own process (serverHost.ts) offers: its info, counters, and close. */
export interface HostedServer<Info> {
  /** Plain JSON: it crosses the IPC channel. */
  info: Info;
  /** Counters worth reporting (verifications, token requests...). */
  counters?(): Record<string, number | undefined>;
  close(): Promise<void>;
}

/** The memory and CPU time of the server's process, plus its counters. */
export interface ServerStats {
  rssBytes: number;
  heapUsedBytes: number;
  /** CPU time (user + system, every thread of the process) since it started, in microseconds. */
  cpuMicros: number;
  counters: Record<string, number | undefined>;
}

/** The fixed set of messages over the fork IPC channel. Stats are answered synchronously, hence in order: no ids needed. */
export type ToServer =
  | { type: 'start'; kind: string; options: unknown }
  /** `gc`: collect garbage first (twice), so that the heap shows what is retained, not what awaits collection. */
  | { type: 'stats'; gc?: boolean }
  | { type: 'close' };

export type FromServer = { type: 'started'; info: unknown } | { type: 'failed'; message: string } | { type: 'stats'; stats: ServerStats };

/**
 * Servers under load log at warn: an access line per request would measure the log pipe, not
 * the auth path, and it would weigh the same on both sides of every ratio anyway.
 */
export const BENCH_LOG_LEVEL = 'warn';
