import { randomUUID } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import {
  Amount,
  authorizeToken,
  HttpError,
  ServiceError,
  Id,
  IdempotencyKey,
  jsonBody,
  methodNotAllowed,
  parseInput,
  PAYMENT_API_SCOPE,
  type AuthorizeTokenOptions,
  type Logger,
} from '@m2m/shared';
import type { PaymentMetrics } from '../metrics/paymentMetrics';
import type { WalletClient } from '../wallet/walletClient';
import { walletIdempotencyKey } from './callerIdempotencyKey';
import { toPaymentHttpError, type PaymentStep } from './paymentErrors';
import { DEFAULT_PAYMENTS_PER_MINUTE, paymentRateLimit } from './paymentRateLimit';

/** The body of POST /initiate-payment (the tutorial's fields; debitAmount in minor units). */
export const PaymentRequest = z.object({ customerId: Id, debitAmount: Amount, destinationWalletId: Id }).strict();
export type PaymentRequest = z.infer<typeof PaymentRequest>;

/** The 200 answer: the wallet's transaction and the customer's balance after it. */
export interface PaymentResponse {
  transactionId: string;
  customerId: string;
  customerName: string;
  destinationWalletId: string;
  debitAmount: number;
  /** The source wallet's balance after the debit, minor units. */
  walletBalance: number;
  idempotencyKey: string;
}

export interface PaymentRoutesDeps {
  wallet: Pick<WalletClient, 'checkBalance' | 'debit'>;
  /** How callers' tokens are verified (the project's Stytch client, realm, logger). */
  authorize: AuthorizeTokenOptions;
  /** Payments one caller may attempt a minute before 429 (default 600). */
  paymentsPerMinute?: number;
  /** Counts payments by outcome; default: not counted. */
  metrics?: PaymentMetrics;
}

/**
 * POST /initiate-payment: an M2M resource itself. The caller needs a token with write:payments
 * (authorizeToken, the wallet's own guard); then check-balance (read:users token) and debit
 * (write:wallets token), with the payment-server's own tokens.
 *
 * Idempotency keys belong to the caller: the key sent to the wallet is derived from (caller
 * client_id, caller key), so a replay by the same caller gets the first answer and the same key
 * from another caller is another payment.
 *
 * The balance check does not decide whether the payment goes through: a balance can change
 * between the check and the debit, and a retried request must get the first outcome even if the
 * balance has dropped since. The wallet's debit is atomic and idempotent, so it is the only judge;
 * the check finds unknown customers early and gives the customer's name.
 */
export function paymentRoutes({ wallet, authorize, paymentsPerMinute = DEFAULT_PAYMENTS_PER_MINUTE, metrics }: PaymentRoutesDeps): Router {
  const router = Router();
  // The body is parsed after the token is checked: an anonymous caller gets a 401, and costs no parsing.
  const json = jsonBody({ limit: '16kb' });

  router.post(
    '/initiate-payment',
    authorizeToken(PAYMENT_API_SCOPE, authorize),
    paymentRateLimit(paymentsPerMinute),
    json,
    async (req, res) => {
      const caller = callerOf(req);
      const idempotencyKey = idempotencyKeyOf(req);
      // Set before any wallet call: even a 504 tells the caller which key to retry with.
      res.setHeader('Idempotency-Key', idempotencyKey);
      const payment = parseInput(PaymentRequest, req.body);
      // Our ids are strings (httpLogger); passed on so one payment can be followed through both servers' logs.
      const context = typeof req.id === 'string' ? { requestId: req.id } : {};
      const log = req.log as Logger;

      const balance = await step('check-balance', log, () => wallet.checkBalance(payment.customerId, context));
      const debit = await step('debit', log, () =>
        wallet.debit(
          { customerId: payment.customerId, amount: payment.debitAmount, destinationWalletId: payment.destinationWalletId },
          walletIdempotencyKey(caller, idempotencyKey),
          context,
        ),
      );

      const body: PaymentResponse = {
        transactionId: debit.transactionId,
        customerId: payment.customerId,
        customerName: balance.customerName,
        destinationWalletId: payment.destinationWalletId,
        debitAmount: payment.debitAmount,
        walletBalance: debit.walletBalance,
        idempotencyKey,
      };
      // As Stripe does: tells a retrying caller that this is the first payment's outcome, not a new one.
      if (debit.replayed) res.setHeader('Idempotent-Replayed', 'true');
      metrics?.debited(debit.replayed);
      req.log.info(
        {
          clientId: caller,
          transactionId: debit.transactionId,
          debitAmount: payment.debitAmount,
          idempotencyKey,
          replayed: debit.replayed,
        },
        'payment debited',
      );
      res.status(200).json(body);
    },
  );

  // A payment refused after the token check (rate limit, body, wallet, auth server) is counted by its code on the way to the error handler.
  router.use('/initiate-payment', (err: unknown, req: Request, _res: Response, next: NextFunction) => {
    if (req.method === 'POST') metrics?.failed(err);
    next(err);
  });

  router.all(
    '/initiate-payment',
    methodNotAllowed(
      ['POST'],
      'Use POST /initiate-payment with Authorization: Bearer <token with write:payments>, a JSON body {"customerId", "debitAmount" (integer, minor units), "destinationWalletId"} and, optionally, an Idempotency-Key header',
    ),
  );

  return router;
}

async function step<T>(name: PaymentStep, log: Logger, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const answer = toPaymentHttpError(err, name);
    // The caller is told which peer failed; where it lives and how it failed is for our log only.
    if (answer instanceof ServiceError && answer.status >= 502) {
      log.warn({ step: name, code: answer.code, cause: (err as Error).message }, 'payment step failed');
    }
    throw answer;
  }
}

/** The caller's client_id, from its verified token. */
function callerOf(req: Request): string {
  const caller = req.m2m?.client_id;
  if (!caller) throw new Error('the payment route runs after authorizeToken');
  return caller;
}

/** The caller's Idempotency-Key (validated), or a new one: every payment gets a key the caller can retry with. */
function idempotencyKeyOf(req: Request): string {
  const given = req.headers['idempotency-key'];
  if (given === undefined) return randomUUID();
  const parsed = IdempotencyKey.safeParse(given);
  if (!parsed.success)
    throw new HttpError(400, 'invalid_idempotency_key', `Idempotency-Key ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  return parsed.data;
}
