import { ServiceError } from '@m2m/shared';

/**
 * Why a wallet call failed: the customer's problem (not found, insufficient funds, key reuse, bad
 * request) or the wallet's (unreachable, timeout, failing, refusing our token).
 */
export type WalletFailureReason =
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
  /** 503 or 429 from the wallet (e.g. it can't fetch the signing keys). */
  | 'unavailable'
  /** 5xx or an answer that is not what the contract says. */
  | 'bad_response';

/** How each reason answers our own caller; `rejected_request` passes on the wallet's status and code. */
const ANSWERS: Record<Exclude<WalletFailureReason, 'rejected_request'>, { status: number; code: string }> = {
  customer_not_found: { status: 404, code: 'customer_not_found' },
  destination_not_found: { status: 404, code: 'destination_not_found' },
  insufficient_funds: { status: 409, code: 'insufficient_funds' },
  idempotency_key_reused: { status: 422, code: 'idempotency_key_reused' },
  unauthorized: { status: 502, code: 'wallet_rejected_token' },
  client_revoked: { status: 502, code: 'm2m_client_revoked' },
  unreachable: { status: 503, code: 'wallet_unavailable' },
  unavailable: { status: 503, code: 'wallet_unavailable' },
  timeout: { status: 504, code: 'wallet_timeout' },
  bad_response: { status: 502, code: 'wallet_error' },
};

/** What the wallet-server said, when it answered. */
export interface WalletAnswer {
  status?: number | undefined;
  /** Its error code (`{ error: { code } }`). */
  code?: string | undefined;
}

/**
 * Every way a wallet call can fail, as one ServiceError: `code` and `status` are what our caller is
 * answered (a 503 says when to retry), `reason` says why, and `wallet` what the wallet-server said.
 * The message is for our log: for the wallet's failures it names where the wallet lives, so it is
 * not exposed (the payment route words its own answer).
 */
export class WalletError extends ServiceError {
  readonly wallet: Readonly<WalletAnswer>;

  constructor(
    readonly reason: WalletFailureReason,
    message: string,
    wallet: WalletAnswer = {},
  ) {
    const { status, code } =
      reason === 'rejected_request' ? { status: wallet.status ?? 400, code: wallet.code ?? 'invalid_request' } : ANSWERS[reason];
    super(code, message, { status, ...(status === 503 && { headers: { 'Retry-After': '1' } }) });
    this.wallet = { ...wallet };
  }
}
