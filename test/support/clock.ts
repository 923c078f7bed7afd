/**
 * A clock that moves only when told: pass `now` where a unit takes an injectable clock
 * (authorizeToken's `now`, FailureLimiter's third argument) and `advance` instead of sleeping.
 */
export interface ControlledClock {
  /** Milliseconds since the epoch, as Date.now. */
  now: () => number;
  advance(ms: number): void;
}

export function controlledClock(start = Date.now()): ControlledClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
  };
}
