import { startPaymentServer } from '@m2m/payment-server';
import { createLogger, type StytchProject } from '@m2m/shared';
import { BENCH_LOG_LEVEL, type HostedServer } from '../hosted';

export interface PaymentOptions {
  stytchProject: StytchProject;
  walletServerUrl: string;
  credentialsFile: string;
  clientId: string;
  clientSecret: string;
  adminApiKey: string;
  /** Deadline of each wallet call; the server's default (5 s) when absent. */
  walletTimeoutMs?: number;
}

/** The bench measures the payment path, not the per-caller limit: its one caller pays far faster than a real one may. */
const BENCH_PAYMENTS_PER_MINUTE = 100_000_000;

/** The real payment-server, as `npm start` runs it. */
export async function startPayment(options: PaymentOptions): Promise<HostedServer<{ url: string }>> {
  const payment = await startPaymentServer({
    port: 0,
    host: '127.0.0.1',
    stytchProject: options.stytchProject,
    walletServerUrl: options.walletServerUrl,
    credentialsFile: options.credentialsFile,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    adminApiKey: options.adminApiKey,
    paymentsPerMinute: BENCH_PAYMENTS_PER_MINUTE,
    logger: createLogger({ name: 'payment-server', level: BENCH_LOG_LEVEL }),
    ...(options.walletTimeoutMs === undefined ? {} : { walletTimeoutMs: options.walletTimeoutMs }),
  });
  return {
    info: { url: payment.url },
    close: () => payment.close(),
    // The TokenProvider's own count of token requests, to set beside what the counting proxy saw.
    counters: () => {
      const { tokenRequests, failedTokenRequests, cacheHits, cachedTokens } = payment.tokenProvider.stats();
      return { tokenRequests, failedTokenRequests, cacheHits, cachedTokens };
    },
  };
}
