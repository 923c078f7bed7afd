import { HttpError, type DebitRequest } from '@m2m/shared';
import type { DebitOutcome } from './walletStore';

/** Why a debit moved no money, as the error both doors answer with (REST: its status; MCP: a tool error with its message). */
export function debitRefusal(outcome: Exclude<DebitOutcome, { status: 'debited' }>, request: DebitRequest): HttpError {
  switch (outcome.status) {
    case 'unknown_customer':
      return new HttpError(404, 'customer_not_found', `No wallet for customer ${request.customerId}`);
    case 'same_wallet':
      return new HttpError(400, 'invalid_request', "destinationWalletId: must be another wallet than the customer's own");
    case 'unknown_destination':
      return new HttpError(
        404,
        'destination_not_found',
        `No wallet ${request.destinationWalletId} to pay into: money moves only between wallets this server holds`,
      );
    case 'insufficient_funds':
      // Never the balance: an error is no way to read a wallet.
      return new HttpError(409, 'insufficient_funds', 'Insufficient funds: the balance does not cover this debit');
    case 'key_reused':
      return new HttpError(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was already used for a different debit; use a new key for a new debit',
      );
  }
}
