import { ServiceError } from '../src/errors';
import { TimeoutError, withTimeout } from '../src/timeout';

describe('withTimeout', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('passes on the answer, or the failure, of a call that settles in time', async () => {
    await expect(withTimeout(Promise.resolve('keys'), 1_000, 'the JWKS')).resolves.toBe('keys');
    const refused = new Error('connection refused');
    await expect(withTimeout(Promise.reject(refused), 1_000, 'the JWKS')).rejects.toBe(refused);
  });

  it('rejects with a TimeoutError (a ServiceError: code timeout, 504, not exposed) once the call outlasts the limit', async () => {
    jest.useFakeTimers();
    const never = new Promise<never>(() => undefined);
    let outcome: unknown = 'pending';
    const raced = withTimeout(never, 2_000, 'the JWKS').catch((caught: unknown) => (outcome = caught));
    await jest.advanceTimersByTimeAsync(1_999);
    expect(outcome).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);
    await raced;
    const err = outcome;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ code: 'timeout', status: 504, expose: false, message: 'the JWKS did not answer within 2000 ms' });
  });

  it('leaves no timer behind once the call has settled', async () => {
    jest.useFakeTimers();
    await withTimeout(Promise.resolve(1), 60_000, 'the JWKS');
    expect(jest.getTimerCount()).toBe(0);
  });
});
