import { HttpError } from '@m2m/shared';
import { TokenUnavailableError } from '../m2m/tokenErrors';
import { WalletError } from '../wallet/walletErrors';

export type PaymentStep = 'check-balance' | 'debit';

const RETRY_SOON = { 'Retry-After': '1' };

/**
 * What the caller of /initiate-payment is told when a step fails. The customer's problems keep a
 * 4xx; the wallet's or the auth server's become 502 (it answered wrongly), 503 (it can't be reached:
 * try again) or 504 (it did not answer in time). For the debit step the message says whether money
 * may have moved, and that a retry with the same Idempotency-Key is safe either way.
 *
 * A failing peer is named (the wallet-server, the auth server), never where it lives or its own
 * words (the route logs those); and no answer carries a balance.
 */
export function toPaymentHttpError(err: unknown, step: PaymentStep): unknown {
  const afterDebit = step === 'debit' ? ' Retry with the same Idempotency-Key: it never debits twice.' : ' Nothing was debited.';
  if (err instanceof TokenUnavailableError) {
    if (err.reason === 'auth_server_timeout') {
      return new HttpError(504, 'auth_server_timeout', `The auth server did not answer in time, so no token for the ${step}.${afterDebit}`);
    }
    if (err.reason === 'auth_server_rate_limited') {
      return new HttpError(
        503,
        'auth_server_rate_limited',
        `The auth server is rate limiting the payment-server's token requests, so no token for the ${step}.${afterDebit}`,
        {
          'Retry-After': String(err.retryAfterSeconds ?? 1),
        },
      );
    }
    if (err.retryable) {
      return new HttpError(
        503,
        'auth_server_unavailable',
        `The auth server can't be reached, so no token for the ${step}.${afterDebit}`,
        RETRY_SOON,
      );
    }
    return new HttpError(
      502,
      'm2m_credentials_rejected',
      `The auth server refused the payment-server's M2M credentials (${err.reason}).${afterDebit}`,
    );
  }
  if (!(err instanceof WalletError)) return err;
  switch (err.kind) {
    case 'customer_not_found':
      return new HttpError(404, 'customer_not_found', err.message || 'No wallet for this customerId');
    case 'destination_not_found':
      return new HttpError(
        404,
        'destination_not_found',
        'No wallet with this destinationWalletId: payments move money only between wallets the wallet-server holds. Nothing was debited.',
      );
    case 'insufficient_funds':
      return new HttpError(409, 'insufficient_funds', 'Insufficient funds. Nothing was debited.');
    case 'idempotency_key_reused':
      // The wallet's own message names the remedy in its terms (a debit); say it once, in ours.
      return new HttpError(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was already used for a different payment: use a new Idempotency-Key for a new payment.',
      );
    case 'rejected_request':
      return new HttpError(err.status ?? 400, err.code ?? 'invalid_request', err.message);
    case 'unauthorized':
      return new HttpError(
        502,
        'wallet_rejected_token',
        `The wallet-server refused the payment-server's token for the ${step}.${afterDebit}`,
      );
    case 'client_revoked':
      return new HttpError(
        502,
        'm2m_client_revoked',
        `The wallet-server refused the payment-server's M2M client: it is deactivated or deleted.${afterDebit}`,
      );
    case 'unreachable':
    case 'unavailable':
      return new HttpError(503, 'wallet_unavailable', `The wallet-server is unavailable.${afterDebit}`, RETRY_SOON);
    case 'timeout':
      return new HttpError(
        504,
        'wallet_timeout',
        step === 'debit'
          ? 'The wallet-server did not answer the debit in time: it may or may not have happened. Retry with the same Idempotency-Key to learn the outcome; it never debits twice.'
          : `The wallet-server did not answer the balance check in time.${afterDebit}`,
      );
    case 'bad_response':
      return new HttpError(502, 'wallet_error', `The wallet-server failed on the ${step}.${afterDebit}`);
  }
}
