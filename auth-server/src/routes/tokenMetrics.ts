import { bodyReadError, Counter, ServiceError, type Registry } from '@m2m/shared';
import { AuthServerError } from '../errors';

export interface TokenMetrics {
  issued(): void;
  /** Counts a refused token request by its error code (invalid_client, invalid_scope, too_many_requests...). */
  refused(err: unknown): void;
}

/** `m2m_tokens_issued_total` and `m2m_token_requests_refused_total{reason}` for the token endpoint. */
export function tokenMetrics(registry: Registry): TokenMetrics {
  const issued = new Counter({ name: 'm2m_tokens_issued_total', help: 'Access tokens the token endpoint issued', registers: [registry] });
  const refused = new Counter({
    name: 'm2m_token_requests_refused_total',
    help: 'Token requests refused, by the error code of the answer',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  return {
    issued: () => {
      issued.inc();
    },
    refused: (err) => {
      refused.inc({ reason: reasonOf(err) });
    },
  };
}

/** An error code from this server's code (never from the request): a bounded label. */
function reasonOf(err: unknown): string {
  // (instanceof on the generic AuthServerError gives AuthServerError<any>: its code is a string.)
  if (err instanceof AuthServerError) return err.code as string;
  if (err instanceof ServiceError && err.status < 500) return err.code;
  return bodyReadError(err)?.code ?? 'server_error';
}
