/**
 * What one load run asks of autocannon. Plain JSON, because it crosses a process boundary:
 * the load generator runs in its own process so it never competes with the bench's bookkeeping
 * for the event loop (and, on 2 cores, the server under test gets the other core).
 */
export interface LoadSpec {
  /** Base URL of the server, e.g. http://127.0.0.1:4000/ */
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Concurrent keep-alive connections, fixed for the whole run. */
  connections: number;
  /** Measured duration. Ignored when `amount` is set. */
  durationSeconds: number;
  /** Same load, results discarded, before the measured run (JIT, caches, connection set-up). */
  warmupSeconds: number;
  /** Send exactly this many requests instead of running for a duration (bursts). */
  amount?: number;
  /** Header that gets a fresh random UUID on every request (e.g. Idempotency-Key). */
  uniqueHeader?: string;
  /**
   * A header whose value rotates through these, one per request (e.g. a pool of tokens, so that
   * concurrent requests carry different ones and no per-token deduplication can merge them).
   */
  rotateHeader?: { name: string; values: string[] };
  /** A body that rotates through these, one per request (e.g. debits between different wallets); replaces `body`. */
  rotateBody?: string[];
  /**
   * More servers of the same service: the connections are split evenly over `url` and these, as a
   * load balancer in front of them would spread them, and the results are combined.
   */
  spreadOver?: string[];
  /** Per-request timeout. */
  timeoutSeconds?: number;
}

export interface LoadResult {
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Responses by status code; anything but 2xx means the run measured something else. */
  statusCodes: Record<string, number>;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  timeouts: number;
  /**
   * CPU time (user + system, all threads, µs) the load generator's own process spent on this run: on
   * a shared machine, what the load itself takes from the cores the servers run on.
   */
  generatorCpuMicros: number;
}
