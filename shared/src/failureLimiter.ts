/**
 * Counts FAILED authentications per key (a client_id and IP, an IP) in fixed one-minute windows.
 * Only failures count, so a legitimate client can fetch thousands of tokens a second, while
 * guessing a secret stops after `limit` wrong tries a minute.
 *
 * With a slow check (scrypt), use `tryAttempt` before it and `succeeded` after: the attempt is
 * counted before the await, so parallel guesses can't all start before the first one fails.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { failures: number; resetAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `key` may try again, or 0 when it may try now. */
  retryAfterSeconds(key: string): number {
    const window = this.windows.get(key);
    if (!window) return 0;
    const now = this.now();
    if (window.resetAt <= now) {
      this.windows.delete(key);
      return 0;
    }
    return window.failures >= this.limit ? Math.ceil((window.resetAt - now) / 1000) : 0;
  }

  /**
   * Counts an attempt for `key` as a failure now, unless the window is full: then nothing is counted
   * and the answer is the seconds to wait (else 0). Call `succeeded` when the attempt turns out right.
   */
  tryAttempt(key: string): number {
    const wait = this.retryAfterSeconds(key);
    if (wait === 0) this.recordFailure(key);
    return wait;
  }

  /** Refunds the attempt `tryAttempt` counted: a success is not a failure. */
  succeeded(key: string): void {
    const window = this.windows.get(key);
    if (!window) return;
    window.failures -= 1;
    if (window.failures <= 0) this.windows.delete(key);
  }

  recordFailure(key: string): void {
    const now = this.now();
    const window = this.windows.get(key);
    if (window && window.resetAt > now) {
      window.failures += 1;
      return;
    }
    if (this.windows.size >= 100_000) this.prune(now);
    this.windows.set(key, { failures: 1, resetAt: now + this.windowMs });
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    // Still full (a spray of distinct keys): forget the oldest rather than grow without bound.
    const oldest = this.windows.keys().next();
    if (this.windows.size >= 100_000 && !oldest.done) this.windows.delete(oldest.value);
  }
}

/**
 * The token endpoint's failure budgets. Each counts failures of one kind from one IP, so a caller's
 * failures never spend another caller's budget (with TRUST_PROXY behind a proxy).
 */
export interface TokenFailureLimits {
  /** Failed authentications of one client_id from one IP per minute before 429. */
  perClientPerMinute: number;
  /** Failed authentications with unknown client ids, and failed project credentials, per IP per minute before 429. */
  perIpPerMinute: number;
}

export const TOKEN_FAILURE_LIMITS: TokenFailureLimits = { perClientPerMinute: 10, perIpPerMinute: 60 };
