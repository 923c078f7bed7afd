import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { Amount, HttpError, Id, IdempotencyKey, methodNotAllowed, parseInput } from '@m2m/shared';
import type { WalletClient } from '../wallet/walletClient';
import { toPaymentHttpError, type PaymentStep } from './paymentErrors';

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
}

/**
 * POST /initiate-payment: check-balance (read:users token) then debit (write:wallets token).
 *
 * The balance check does not decide whether the payment goes through: a balance can change
 * between the check and the debit, and a retried request must get the first outcome even if the
 * balance has dropped since. The wallet's debit is atomic and idempotent, so it is the only judge;
 * the check finds unknown customers early and gives the customer's name.
 */
export function paymentRoutes({ wallet }: PaymentRoutesDeps): Router {
  const router = Router();

  router.post('/initiate-payment', async (req, res) => {
    const idempotencyKey = idempotencyKeyOf(req);
    // Set before any wallet call: even a 504 tells the caller which key to retry with.
    res.setHeader('Idempotency-Key', idempotencyKey);
    const payment = parseInput(PaymentRequest, req.body);
    const context = { requestId: String(req.id) };

    const balance = await step('check-balance', () => wallet.checkBalance(payment.customerId, context));
    const debit = await step('debit', () =>
      wallet.debit({ customerId: payment.customerId, amount: payment.debitAmount, destinationWalletId: payment.destinationWalletId }, idempotencyKey, context),
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
    req.log.info({ transactionId: debit.transactionId, debitAmount: payment.debitAmount, idempotencyKey, replayed: debit.replayed }, 'payment debited');
    res.status(200).json(body);
  });

  router.all(
    '/initiate-payment',
    methodNotAllowed(['POST'], 'Use POST /initiate-payment with a JSON body {"customerId", "debitAmount" (integer, minor units), "destinationWalletId"} and, optionally, an Idempotency-Key header'),
  );

  return router;
}

async function step<T>(name: PaymentStep, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toPaymentHttpError(err, name);
  }
}

/** The caller's Idempotency-Key (validated), or a new one: every payment gets a key the caller can retry with. */
function idempotencyKeyOf(req: Request): string {
  const given = req.headers['idempotency-key'];
  if (given === undefined) return randomUUID();
  const parsed = IdempotencyKey.safeParse(given);
  if (!parsed.success) throw new HttpError(400, 'invalid_idempotency_key', `Idempotency-Key ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  return parsed.data;
}
