import { HttpError } from '@m2m/shared';
import { TokenUnavailableError } from '../m2m/tokenErrors';
import { WalletError } from '../wallet/walletErrors';

export type PaymentStep = 'check-balance' | 'debit';

/**
 * What the caller of /initiate-payment is told when a step fails. The customer's problems keep a
 * 4xx; the wallet's or the auth server's become 502 (it answered wrongly), 503 (it can't be reached:
 * try again) or 504 (it did not answer in time). Each message says what failed, then whether money
 * may have moved: for the debit, that a retry with the same Idempotency-Key is safe either way.
 *
 * A failing peer is named (the wallet-server, the auth server), never where it lives or its own
 * words (the route logs those); and no answer carries a balance. Anything else is passed on as is.
 */
export function toPaymentHttpError(err: unknown, step: PaymentStep): unknown {
  if (err instanceof TokenUnavailableError) return noToken(err, step);
  if (err instanceof WalletError) return new HttpError(err.status, err.code, walletFailure(err, step), { ...err.headers });
  return err;
}

/** The sentence that ends a failed step's message. */
function outcome(step: PaymentStep): string {
  return step === 'debit' ? 'Retry with the same Idempotency-Key: it never debits twice.' : 'Nothing was debited.';
}

/** The payment-server's own token could not be had, so the step was never tried. */
function noToken(err: TokenUnavailableError, step: PaymentStep): HttpError {
  const then = `so no token for the ${step}. ${outcome(step)}`;
  if (err.reason === 'auth_server_timeout') {
    return new HttpError(504, 'auth_server_timeout', `The auth server did not answer in time, ${then}`);
  }
  if (err.reason === 'auth_server_rate_limited') {
    return new HttpError(503, 'auth_server_rate_limited', `The auth server is rate limiting the payment-server's token requests, ${then}`, {
      'Retry-After': String(err.retryAfterSeconds ?? 1),
    });
  }
  if (err.retryable) {
    return new HttpError(503, 'auth_server_unavailable', `The auth server can't be reached, ${then}`, { 'Retry-After': '1' });
  }
  return new HttpError(
    502,
    'm2m_credentials_rejected',
    `The auth server refused the payment-server's M2M credentials (${err.reason}). ${outcome(step)}`,
  );
}

/** The caller's words for a wallet failure; its status and code are the WalletError's. */
function walletFailure(err: WalletError, step: PaymentStep): string {
  switch (err.reason) {
    case 'customer_not_found':
      return err.message || 'No wallet for this customerId';
    case 'rejected_request':
      // The wallet's own words about the request: they name what is wrong with it.
      return err.message;
    case 'destination_not_found':
      return 'No wallet with this destinationWalletId: payments move money only between wallets the wallet-server holds. Nothing was debited.';
    case 'insufficient_funds':
      return 'Insufficient funds. Nothing was debited.';
    case 'idempotency_key_reused':
      // The wallet's own message names the remedy in its terms (a debit); say it once, in ours.
      return 'This Idempotency-Key was already used for a different payment: use a new Idempotency-Key for a new payment.';
    case 'unauthorized':
      return `The wallet-server refused the payment-server's token for the ${step}. ${outcome(step)}`;
    case 'client_revoked':
      return `The wallet-server refused the payment-server's M2M client: it is deactivated or deleted. ${outcome(step)}`;
    case 'unreachable':
    case 'unavailable':
      return `The wallet-server is unavailable. ${outcome(step)}`;
    case 'timeout':
      return step === 'debit'
        ? 'The wallet-server did not answer the debit in time: it may or may not have happened. Retry with the same Idempotency-Key to learn the outcome; it never debits twice.'
        : `The wallet-server did not answer the balance check in time. ${outcome(step)}`;
    case 'bad_response':
      return `The wallet-server failed on the ${step}. ${outcome(step)}`;
  }
}
