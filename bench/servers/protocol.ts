/** Messages between the bench and a server it hosts in a child process (over the fork IPC channel). */
export type ToHost =
  | { type: 'start'; kind: string; options: unknown }
  | { type: 'stats'; id: number }
  | { type: 'command'; id: number; name: string; args: unknown }
  | { type: 'close' };

export type FromHost =
  | { type: 'started'; info: unknown }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; message: string }
  | { type: 'closed' };

/** Memory of the hosting process, plus whatever counters the hosted server exposes. */
export interface HostStats {
  rssBytes: number;
  heapUsedBytes: number;
  /** CPU time (user + system, every thread of the process) since it started, in microseconds. */
  cpuMicros: number;
  extra: Record<string, number>;
}
