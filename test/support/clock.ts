/**
 * A clock that moves only when told: pass `now` where a unit takes an injectable clock
 * (authorizeToken's `now`, FailureLimiter's third argument) and `advance` instead of sleeping.
 */
export interface ControlledClock {
  /** Milliseconds since the epoch, as Date.now. */
  now: () => number;
  /** Whole seconds since the epoch, as JWT times are. */
  nowSeconds: () => number;
  advance(ms: number): void;
  advanceSeconds(seconds: number): void;
}

export function controlledClock(start = Date.now()): ControlledClock {
  let current = start;
  return {
    now: () => current,
    nowSeconds: () => Math.floor(current / 1000),
    advance(ms) {
      current += ms;
    },
    advanceSeconds(seconds) {
      current += seconds * 1000;
    },
  };
}

/**
 * For authorizeToken checking real tokens: a controlled clock a minute ahead of the auth-server's,
 * so no token issued during the test is "issued in the future" on it (its `iat`, in whole seconds,
 * may be later than a clock started a few milliseconds before the token was issued).
 */
export function clockAheadOfIssuer(): ControlledClock {
  return controlledClock(Date.now() + 60_000);
}
