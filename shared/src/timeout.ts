import { ServiceError } from './errors';

/** A call that did not answer in time: a peer's problem, not the client's (504, message not exposed). */
export class TimeoutError extends ServiceError {
  constructor(what: string, ms: number) {
    super('timeout', `${what} did not answer within ${String(ms)} ms`, { status: 504 });
  }
}

/** Rejects with a TimeoutError when `promise` takes longer than `ms`; the timer never outlives the race or keeps the process alive. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new TimeoutError(what, ms));
    }, ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => {
    clearTimeout(timer);
  });
}
