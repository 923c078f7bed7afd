import { bodyReadError, Counter, ServiceError, type Registry } from '@m2m/shared';

/**
 * The codes a payment can end with, from this server's own code: the label's whole range. A code
 * passed on from the wallet's answer (a rejected request) is counted as `other_error`, so a peer
 * can't grow the number of series.
 */
const KNOWN_OUTCOMES = new Set([
  'debited',
  'replayed',
  'invalid_request',
  'invalid_idempotency_key',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'customer_not_found',
  'destination_not_found',
  'insufficient_funds',
  'idempotency_key_reused',
  'wallet_rejected_token',
  'm2m_client_revoked',
  'wallet_unavailable',
  'wallet_timeout',
  'wallet_error',
  'auth_server_timeout',
  'auth_server_rate_limited',
  'auth_server_unavailable',
  'm2m_credentials_rejected',
  'internal_error',
]);

export interface PaymentMetrics {
  debited(replayed: boolean): void;
  failed(err: unknown): void;
}

/** `payments_total{outcome}`: every payment attempt that got past the token check, by how it ended. */
export function paymentMetrics(registry: Registry): PaymentMetrics {
  const payments = new Counter({
    name: 'payments_total',
    help: 'Payment attempts (past the token check) by outcome: debited, replayed, or the error code of the answer',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const count = (outcome: string) => {
    payments.inc({ outcome: KNOWN_OUTCOMES.has(outcome) ? outcome : 'other_error' });
  };
  return {
    debited: (replayed) => {
      count(replayed ? 'replayed' : 'debited');
    },
    failed: (err) => {
      count(err instanceof ServiceError ? err.code : (bodyReadError(err)?.code ?? 'internal_error'));
    },
  };
}
