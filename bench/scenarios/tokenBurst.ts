import path from 'node:path';
import type { BenchContext, Scenario } from '../lib/context';
import { assertClean, int, ms } from '../lib/format';
import { createM2MClient, paymentCallerToken, projectOf, sdk } from '../../test/support/stytchProject';
import type { Check } from '../lib/result';
import { startCountingProxy, type CountingProxy } from '../../test/support/countingProxy';
import { runLoad } from '../load/runLoad';
import { hostServer, type ServerProcess } from '../servers/hostServer';
import type { AuthInfo } from '../servers/kinds/authKind';
import { BENCH_ADMIN_API_KEY, JOHN_DOE, JANE_DOE_WALLET } from './fixtures';

const SCOPE_SETS = ['read:users', 'write:wallets'];
const BURST_WALLET_TIMEOUT_MS = 60_000;

interface BurstOutcome {
  byScope: Record<string, number>;
  total: number;
  payments: number;
  seconds: number;
  p50: number;
  p99: number;
  /** What the payment side itself counted (our TokenProvider's stats), when it counts. */
  ownCount: number | undefined;
}

/**
 * 2. N concurrent payments on a cold token cache: how many token requests reach the auth-server?
 * Ours should make one per scope set; the tutorial's cache (no single-flight) one per payment.
 * Counted by a reverse proxy between the payment side and the auth-server.
 */
export const tokenBurst: Scenario = {
  id: 2,
  title: 'Token cache under a burst of cold payments',
  async run(ctx) {
    const n = ctx.profile.burstPayments;
    // The auth-server's public URL (its tokens' iss) is the proxy's: the payment-server verifies its
    // callers' tokens against the project's base URL, which is the proxy.
    const proxy = await startCountingProxy();
    const auth = await hostServer('auth', { databaseFile: path.join(ctx.workDir, 'auth-s2.db'), publicUrl: proxy.url });
    proxy.setTarget(auth.info.url);
    try {
      const client = await createM2MClient(sdk(auth.info), ['read:users', 'write:wallets'], 'bench payment-service');
      const callerToken = await paymentCallerToken(sdk(auth.info), 'bench checkout-service');
      ctx.log(`  ${n} concurrent cold payments through the payment-server`);
      const ours = await burst(ctx, 'ours', auth.info, proxy, n, callerToken, async (walletUrl) =>
        hostServer('payment', {
          stytchProject: projectOf(auth.info, proxy.url),
          walletServerUrl: walletUrl,
          credentialsFile: path.join(ctx.workDir, 'payment-s2-credentials.json'),
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          adminApiKey: BENCH_ADMIN_API_KEY,
          // 1,000 debits queue at the wallet (one fsync'd transaction each): on a busy machine the
          // last ones wait longer than the default 5 s. This scenario counts token requests, so let them wait.
          walletTimeoutMs: BURST_WALLET_TIMEOUT_MS,
        }),
      );
      ctx.log(`  ${n} concurrent cold payments through the tutorial-cache baseline`);
      const tutorial = await burst(ctx, 'tutorial', auth.info, proxy, n, callerToken, async (walletUrl) =>
        hostServer('tutorialPayment', {
          stytchProject: projectOf(auth.info, proxy.url),
          walletServerUrl: walletUrl,
          clientId: client.clientId,
          clientSecret: client.clientSecret,
        }),
      );

      const checks: Check[] = SCOPE_SETS.map((scope) => ({
        name: `payment-server: token requests for scope "${scope}" during ${int(n)} cold payments = 1`,
        passed: ours.byScope[scope] === 1,
        judged: true,
        detail: `${ours.byScope[scope] ?? 0}`,
      }));
      checks.push({
        name: `payment-server: token requests in all = ${SCOPE_SETS.length} (one per scope set)`,
        passed: ours.total === SCOPE_SETS.length,
        judged: true,
        detail: `${ours.total} (${describe(ours.byScope)})`,
      });
      const target = `= 1 per scope set (2): ${ours.total === SCOPE_SETS.length ? 'met' : 'NOT met'}`;
      return {
        scenario: 2,
        title: tokenBurst.title,
        rows: [
          {
            scenario: 2,
            case: `payment-server TokenProvider, ${int(n)} cold payments`,
            p50: ms(ours.p50),
            p99: ms(ours.p99),
            value: `${ours.total} token requests (${describe(ours.byScope)}); TokenProvider counted ${ours.ownCount ?? '?'}`,
            target,
          },
          {
            scenario: 2,
            case: `tutorial cache (baseline), ${int(n)} cold payments`,
            p50: ms(tutorial.p50),
            p99: ms(tutorial.p99),
            value: `${int(tutorial.total)} token requests (${describe(tutorial.byScope)})`,
            ratio: ours.total > 0 ? `${(tutorial.total / ours.total).toFixed(0)}× ours` : '',
          },
        ],
        checks,
        reading: [
          `${int(n)} payments arriving together on a cold cache made ${ours.total} token request(s) to the auth-server through the payment-server (${describe(ours.byScope)}): concurrent callers share one in-flight fetch per scope set.`,
          `The tutorial's cache, driven by the same burst through the same payment flow, made ${int(tutorial.total)} (${describe(tutorial.byScope)}): every caller that misses before the first answer lands fetches its own token (and that is with the baseline keyed per scope set, kinder than the tutorial's single key).`,
          `Every payment succeeded in both runs; the burst's p99 was ${ms(ours.p99)} with our cache and ${ms(tutorial.p99)} with the tutorial's, whose payments queued behind their own token requests at the auth-server.`,
        ],
      };
    } finally {
      await proxy.close();
      await auth.close();
    }
  },
};

const describe = (byScope: Record<string, number>): string =>
  Object.entries(byScope)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([scope, count]) => `${scope}: ${int(count)}`)
    .join(', ') || 'none';

async function burst(
  ctx: BenchContext,
  label: string,
  auth: AuthInfo,
  proxy: CountingProxy,
  n: number,
  callerToken: string,
  startPayment: (walletUrl: string) => Promise<ServerProcess<{ url: string }>>,
): Promise<BurstOutcome> {
  // A fresh wallet per burst, so that both bursts find the same balance. It fetches its keys through
  // the proxy too (the issuer is the proxy's URL); only token requests are counted.
  const wallet = await hostServer('wallet', {
    databaseFile: path.join(ctx.workDir, `wallet-s2-${label}.db`),
    stytchProject: projectOf(auth, proxy.url),
  });
  const payment = await startPayment(wallet.info.url);
  try {
    proxy.reset();
    const load = await runLoad({
      url: payment.info.url,
      method: 'POST',
      path: '/initiate-payment',
      // The tutorial's baseline ignores it (it has no caller check); ours verifies it once.
      headers: { 'content-type': 'application/json', authorization: `Bearer ${callerToken}` },
      body: JSON.stringify({ customerId: JOHN_DOE, debitAmount: 1, destinationWalletId: JANE_DOE_WALLET }),
      connections: n,
      amount: n,
      durationSeconds: 0,
      warmupSeconds: 0,
      timeoutSeconds: 120,
      uniqueHeader: 'Idempotency-Key',
    });
    assertClean(`${label} burst`, load);
    if (label === 'ours')
      ctx.rss.push({
        server: 'payment-server',
        afterRun: `scenario 2 (${n} concurrent cold payments)`,
        rssBytes: (await payment.stats()).rssBytes,
      });
    const byScope = proxy.tokenRequests();
    const ownCount = (await payment.stats()).counters.tokenRequests;
    return {
      byScope,
      total: Object.values(byScope).reduce((a, b) => a + b, 0),
      payments: load.requests,
      seconds: load.durationSeconds,
      p50: load.latencyMs.p50,
      p99: load.latencyMs.p99,
      ownCount,
    };
  } finally {
    await payment.close();
    await wallet.close();
  }
}
