import { FailureLimiter } from '../src/failureLimiter';
import { controlledClock } from '../../test/support/clock';

describe('FailureLimiter, on a controlled clock', () => {
  it('lets a key fail `limit` times a window, then tells it how long to wait, rounded up to whole seconds', () => {
    const clock = controlledClock(0);
    const limiter = new FailureLimiter(3, 60_000, clock.now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('guesser')).toBe(0);
      limiter.recordFailure('guesser');
    }
    expect(limiter.retryAfterSeconds('guesser')).toBe(60);
    clock.advance(58_500);
    expect(limiter.retryAfterSeconds('guesser')).toBe(2);
    expect(limiter.retryAfterSeconds('someone-else')).toBe(0);
  });

  it('opens a new window once the old one ends (fixed windows, not sliding)', () => {
    const clock = controlledClock(0);
    const limiter = new FailureLimiter(2, 60_000, clock.now);
    limiter.recordFailure('key');
    clock.advance(59_999);
    limiter.recordFailure('key');
    expect(limiter.retryAfterSeconds('key')).toBe(1);
    clock.advance(1);
    expect(limiter.retryAfterSeconds('key')).toBe(0);
    // The failure after the window starts a window of its own: one failure, not three.
    limiter.recordFailure('key');
    expect(limiter.retryAfterSeconds('key')).toBe(0);
    limiter.recordFailure('key');
    expect(limiter.retryAfterSeconds('key')).toBe(60);
  });

  it('tryAttempt counts before the slow check and succeeded refunds it: parallel guesses cannot all start', () => {
    const clock = controlledClock(0);
    const limiter = new FailureLimiter(2, 60_000, clock.now);
    // Three checks start at once: the third is refused before its (slow) check runs.
    expect([limiter.tryAttempt('key'), limiter.tryAttempt('key'), limiter.tryAttempt('key')]).toEqual([0, 0, 60]);
    // One of the two turns out right: its attempt is refunded, and the key may try again.
    limiter.succeeded('key');
    expect(limiter.tryAttempt('key')).toBe(0);
    expect(limiter.tryAttempt('key')).toBe(60);
  });

  it('a success with nothing counted changes nothing; a refunded window is forgotten', () => {
    const clock = controlledClock(0);
    const limiter = new FailureLimiter(1, 60_000, clock.now);
    limiter.succeeded('never-failed');
    expect(limiter.tryAttempt('never-failed')).toBe(0);
    expect(limiter.retryAfterSeconds('never-failed')).toBe(60);
    limiter.succeeded('never-failed');
    expect(limiter.retryAfterSeconds('never-failed')).toBe(0);
  });

  it('stays bounded under a spray of distinct keys: the oldest window goes first', () => {
    const clock = controlledClock(0);
    const limiter = new FailureLimiter(1, 60_000, clock.now);
    for (let i = 0; i < 100_000; i++) limiter.recordFailure(`spray-${String(i)}`);
    expect(limiter.retryAfterSeconds('spray-0')).toBe(60);
    // Full: the next new key evicts the oldest live window rather than growing the map.
    limiter.recordFailure('newcomer');
    expect(limiter.retryAfterSeconds('spray-0')).toBe(0);
    expect(limiter.retryAfterSeconds('spray-1')).toBe(60);
    expect(limiter.retryAfterSeconds('newcomer')).toBe(60);
    // Once the sprayed windows have ended they count for nothing, and a new key is limited as usual.
    clock.advance(60_000);
    limiter.recordFailure('after');
    expect(limiter.retryAfterSeconds('spray-1')).toBe(0);
    expect(limiter.retryAfterSeconds('after')).toBe(60);
  });
});
