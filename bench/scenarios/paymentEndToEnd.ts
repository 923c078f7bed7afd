import path from 'node:path';
import type { Scenario } from '../lib/context';
import { assertClean, int, ms, ratio } from '../lib/format';
import { accessToken, createM2MClient, paymentCallerToken, projectOf, sdk } from '../../test/support/stytchProject';
import { runInterleaved } from '../load/interleave';
import { hostServer } from '../servers/hostServer';
import { BENCH_ADMIN_API_KEY, JANE_DOE_WALLET, JOHN_DOE } from './fixtures';

/** Enough for every debit of 1 minor unit that a full run can make. */
export const BENCH_BALANCE = 1_000_000_000;

/**
 * 4. What the payment hop costs: POST /initiate-payment (check-balance + debit through the
 * payment-server, tokens from its cache) against the same debit sent straight to the wallet
 * with a token in hand. Every request carries a fresh Idempotency-Key, so each one really debits
 * (and is answered only once committed: the wallet group-commits the debits that arrive together).
 */
export const paymentEndToEnd: Scenario = {
  id: 4,
  title: 'Payment end to end vs a direct wallet debit',
  async run(ctx) {
    const { profile } = ctx;
    const auth = await hostServer('auth', { databaseFile: path.join(ctx.workDir, 'auth-s4.db') });
    const wallet = await hostServer('wallet', {
      databaseFile: path.join(ctx.workDir, 'wallet-s4.db'),
      stytchProject: projectOf(auth.info),
      seedBalance: BENCH_BALANCE,
    });
    try {
      const client = await createM2MClient(sdk(auth.info), ['read:users', 'write:wallets'], 'bench payment-service');
      const payment = await hostServer('payment', {
        stytchProject: projectOf(auth.info),
        walletServerUrl: wallet.info.url,
        credentialsFile: path.join(ctx.workDir, 'payment-s4-credentials.json'),
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        adminApiKey: BENCH_ADMIN_API_KEY,
        // Far above any latency worth measuring; only so that a very busy CI machine reports slow
        // payments instead of 504s that would stop the scenario.
        walletTimeoutMs: 30_000,
      });
      try {
        const token = await accessToken(sdk(auth.info), client, ['write:wallets']);
        // The payment API's caller: its token is verified once, then served from the guard's cache.
        const callerToken = await paymentCallerToken(sdk(auth.info), 'bench checkout-service');
        ctx.log(
          `  direct wallet debit and POST /initiate-payment: ${profile.connections} connections, ${profile.rounds} interleaved rounds, ${profile.durationSeconds} s each`,
        );
        const { results } = await runInterleaved(
          [
            {
              name: 'direct',
              spec: {
                url: wallet.info.url,
                method: 'POST',
                path: '/api/debit',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
                body: JSON.stringify({ customerId: JOHN_DOE, amount: 1, destinationWalletId: JANE_DOE_WALLET }),
                uniqueHeader: 'Idempotency-Key',
              },
            },
            {
              name: 'viaPayment',
              spec: {
                url: payment.info.url,
                method: 'POST',
                path: '/initiate-payment',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${callerToken}` },
                body: JSON.stringify({ customerId: JOHN_DOE, debitAmount: 1, destinationWalletId: JANE_DOE_WALLET }),
                uniqueHeader: 'Idempotency-Key',
              },
            },
          ],
          profile,
        );
        const direct = results.get('direct');
        const viaPayment = results.get('viaPayment');
        if (!direct || !viaPayment) throw new Error('a load run returned no result');
        assertClean('direct debit', direct);
        assertClean('initiate-payment', viaPayment);
        const tokenStats = (await payment.stats()).counters;
        ctx.rss.push({
          server: 'wallet-server',
          afterRun: 'scenario 4 (debits, direct and via payments)',
          rssBytes: (await wallet.stats()).rssBytes,
        });
        ctx.rss.push({ server: 'payment-server', afterRun: 'scenario 4 (payments)', rssBytes: (await payment.stats()).rssBytes });

        return {
          scenario: 4,
          title: paymentEndToEnd.title,
          rows: [
            {
              scenario: 4,
              case: 'POST /api/debit on the wallet, token in hand',
              rate: int(direct.requestsPerSecond),
              p50: ms(direct.latencyMs.p50),
              p99: ms(direct.latencyMs.p99),
              ratio: '1.00×',
            },
            {
              scenario: 4,
              case: 'POST /initiate-payment (check-balance + debit)',
              rate: int(viaPayment.requestsPerSecond),
              p50: ms(viaPayment.latencyMs.p50),
              p99: ms(viaPayment.latencyMs.p99),
              ratio: ratio(viaPayment.requestsPerSecond, direct.requestsPerSecond),
              value: `p99 ${ratio(viaPayment.latencyMs.p99, direct.latencyMs.p99)} of direct; ${int(tokenStats.tokenRequests ?? 0)} token requests in ${int(viaPayment.requests)} payments`,
            },
          ],
          checks: [],
          reading: [
            `A payment through the payment-server runs at ${ratio(viaPayment.requestsPerSecond, direct.requestsPerSecond)} the rate of a bare wallet debit, with a p99 ${ratio(viaPayment.latencyMs.p99, direct.latencyMs.p99)} as long:`,
            `the hop adds the caller's token check (authorizeToken, cached after the first), a second wallet call (check-balance before the debit), an HTTP client, and validation; the tokens come from the cache (${int(tokenStats.tokenRequests ?? 0)} token requests in all, ${int(tokenStats.cacheHits ?? 0)} cache hits), so payments did not wait on the auth-server.`,
            'Every request debited for real (a fresh Idempotency-Key each), committed with synchronous=FULL before it was answered; debits that reach the wallet together share one transaction and one fsync (group commit).',
          ],
        };
      } finally {
        await payment.close();
      }
    } finally {
      await wallet.close();
      await auth.close();
    }
  },
};
