/**
 * Every way a wallet call can fail, as one typed error. `kind` says whose problem it is:
 * the customer's (not found, insufficient funds, key reuse, bad request) or the wallet's
 * (unreachable, timeout, failing, refusing our token).
 */
export type WalletFailureKind =
  /** 404: no such customer. */
  | 'customer_not_found'
  /** 404: the destination is not a wallet the wallet-server holds; nothing was debited. */
  | 'destination_not_found'
  /** 409: the balance does not cover the debit; nothing was debited. */
  | 'insufficient_funds'
  /** 422: the idempotency key was used before with another request. */
  | 'idempotency_key_reused'
  /** Another 4xx about the request itself (e.g. paying one's own wallet); passed on as is. */
  | 'rejected_request'
  /** 401 again after a fresh token, or 403: the wallet won't accept our client. */
  | 'unauthorized'
  /** 401: the wallet says our M2M client is deactivated or deleted (a fresh token would not help). */
  | 'client_revoked'
  /** Connection refused, reset, DNS... */
  | 'unreachable'
  | 'timeout'
  /** 503 from the wallet (e.g. it can't fetch the signing keys). */
  | 'unavailable'
  /** 5xx or an answer that is not what the contract says. */
  | 'bad_response';

export class WalletError extends Error {
  override readonly name = 'WalletError';

  constructor(
    readonly kind: WalletFailureKind,
    message: string,
    /** The wallet's HTTP status, when it answered. */
    readonly status?: number,
    /** The wallet's error code, when it sent one. */
    readonly code?: string,
  ) {
    super(message);
  }
}
