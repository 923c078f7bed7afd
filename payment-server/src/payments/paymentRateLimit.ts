import type { RequestHandler } from 'express';
import { FailureLimiter, HttpError } from '@m2m/shared';

/** Payments one caller may attempt per minute (PAYMENT_RATE_LIMIT_PER_MINUTE). */
export const DEFAULT_PAYMENTS_PER_MINUTE = 600;

/**
 * Caps how fast one caller (the token's client_id) can move money: a compromised caller can't drain
 * wallets at line speed, and one busy caller doesn't slow the others. Runs after authorizeToken.
 * Every attempt counts, refused ones too (probing balances costs the same); a 429 does not.
 */
export function paymentRateLimit(paymentsPerMinute: number): RequestHandler {
  if (!Number.isInteger(paymentsPerMinute) || paymentsPerMinute < 1) {
    throw new TypeError(`paymentRateLimit: paymentsPerMinute must be a positive integer (got ${paymentsPerMinute})`);
  }
  // A fixed one-minute window per key; FailureLimiter counts whatever it is told to, here every attempt.
  const attempts = new FailureLimiter(paymentsPerMinute);
  return (req, _res, next) => {
    const caller = req.m2m?.client_id;
    if (!caller) throw new Error('paymentRateLimit runs after authorizeToken');
    const wait = attempts.retryAfterSeconds(caller);
    if (wait > 0) {
      // pino-http's logger, when the app has one: the limit also works mounted alone.
      (req.log as typeof req.log | undefined)?.warn({ clientId: caller }, 'payment rate limit reached');
      throw new HttpError(429, 'rate_limited', `Too many payments from this client; retry in ${wait} s`, { 'Retry-After': String(wait) });
    }
    attempts.recordFailure(caller);
    next();
  };
}
