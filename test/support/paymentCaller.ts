import { randomUUID } from 'node:crypto';
import type { TokenProvider } from '@m2m/payment-server';
import { PAYMENT_API_SCOPE } from '@m2m/shared';
import { at, bearer, post, type HttpAnswer } from './http';

/**
 * One payment as a well-behaved caller of the payment API makes it, with its own TokenProvider: a
 * 401 saying its token expired (in flight: the suites' 4 s tokens, and an event loop stalled on a
 * busy machine) gets a new token and one more try with the same Idempotency-Key, as the
 * payment-server itself does toward the wallet. Any other answer is the answer.
 */
export async function payAsCaller(
  paymentUrl: string,
  tokens: TokenProvider,
  body: { customerId: string; debitAmount: number; destinationWalletId: string },
  idempotencyKey: string = randomUUID(),
): Promise<HttpAnswer> {
  const send = async (token: string) =>
    post(at(paymentUrl, '/initiate-payment'), body, { Authorization: bearer(token), 'Idempotency-Key': idempotencyKey });
  const token = await tokens.getToken([PAYMENT_API_SCOPE]);
  const answer = await send(token);
  const expired = answer.status === 401 && answer.body?.error?.code === 'invalid_token' && /expired/.test(answer.body.error.message);
  if (!expired) return answer;
  tokens.invalidate([PAYMENT_API_SCOPE], token);
  return send(await tokens.getToken([PAYMENT_API_SCOPE]));
}
