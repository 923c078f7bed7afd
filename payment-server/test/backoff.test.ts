import { fullJitterDelayMs, TimeoutError, withTimeout } from '../src/m2m/backoff';

// The token provider's waits, with a controlled random source and jest's clock: no real time passes.
describe('fullJitterDelayMs', () => {
  const highest = () => 1 - Number.EPSILON;

  it('waits between 0 and base * 2^(attempt-1), whatever the random draw', () => {
    expect([1, 2, 3, 4].map((attempt) => fullJitterDelayMs(attempt, 100, 10_000, () => 0))).toEqual([0, 0, 0, 0]);
    expect([1, 2, 3, 4].map((attempt) => fullJitterDelayMs(attempt, 100, 10_000, highest))).toEqual([99, 199, 399, 799]);
    expect(fullJitterDelayMs(3, 100, 10_000, () => 0.5)).toBe(200);
  });

  it('never waits longer than the cap, however many attempts', () => {
    expect([5, 6, 20, 1_000].map((attempt) => fullJitterDelayMs(attempt, 100, 1_000, highest))).toEqual([999, 999, 999, 999]);
  });

  it('treats attempt 0 (or less) like the first', () => {
    expect(fullJitterDelayMs(0, 100, 1_000, highest)).toBe(99);
    expect(fullJitterDelayMs(-3, 100, 1_000, highest)).toBe(99);
  });

  it('spreads real draws over the whole window', () => {
    const draws = Array.from({ length: 2_000 }, () => fullJitterDelayMs(4, 100, 2_000));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(800);
    // Full jitter, not "equal jitter": waits near 0 and near the ceiling both happen.
    expect(draws.some((d) => d < 80)).toBe(true);
    expect(draws.some((d) => d >= 720)).toBe(true);
  });
});

describe('withTimeout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers what the promise answers, and leaves no timer behind', async () => {
    const answered = withTimeout(Promise.resolve('token'), 5_000);
    await expect(answered).resolves.toBe('token');
    expect(jest.getTimerCount()).toBe(0);
  });

  it("passes the promise's own failure on, and leaves no timer behind", async () => {
    const failed = withTimeout(Promise.reject(new Error('refused')), 5_000);
    await expect(failed).rejects.toThrow('refused');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects with a TimeoutError once the deadline has passed, not a millisecond earlier', async () => {
    let settled = false;
    const hung = withTimeout(new Promise<never>(() => {}), 5_000);
    hung.catch(() => {}).finally(() => (settled = true));

    await jest.advanceTimersByTimeAsync(4_999);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    const err = await hung.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ name: 'TimeoutError', code: 'timeout', timeoutMs: 5_000, message: 'no answer within 5000 ms' });
    expect(jest.getTimerCount()).toBe(0);
  });
});
