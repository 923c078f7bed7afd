import { createHash } from 'node:crypto';

/**
 * The Idempotency-Key the payment-server sends the wallet for a caller's key. The wallet scopes keys
 * to its calling client, which is always the payment-server; so the caller is folded into the key:
 * two callers with the same key make two payments, and no caller can claim another's key first.
 * A hash of an unambiguous encoding (JSON of the pair) cannot collide, and is 64 characters, well
 * inside the wallet's key format.
 */
export function walletIdempotencyKey(callerClientId: string, callerKey: string): string {
  return createHash('sha256')
    .update(JSON.stringify([callerClientId, callerKey]))
    .digest('hex');
}
