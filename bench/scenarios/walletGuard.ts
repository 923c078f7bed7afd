import path from 'node:path';
import type { Scenario } from '../lib/context';
import { assertClean, int, met, ms, ratio } from '../lib/format';
import { createM2MClient, fetchToken, projectOf } from '../lib/provision';
import type { Row } from '../lib/result';
import { GUARD_LABELS, GUARD_VARIANTS } from '../apps/guardVariants';
import { TUTORIAL_WALLETS } from '../apps/checkBalanceApp';
import { startCountingProxy } from '../load/countingProxy';
import type { LoadResult } from '../load/loadSpec';
import { runLoad } from '../load/runLoad';
import { hostServer } from '../servers/hostServer';

const TARGET_CACHED_RATIO = 0.9;

/**
 * 1. The same check-balance handler unguarded, behind authorizeToken (warm cache, and cache off),
 * and behind the tutorial's middleware. Each variant runs in a fresh process of its own; the
 * auth-server sits behind a counting proxy so that any call a verified request makes to it shows.
 */
export const walletGuard: Scenario = {
  id: 1,
  title: 'Wallet route: guarded vs unguarded',
  async run(ctx) {
    const { profile } = ctx;
    // Everything reaches the auth-server through the proxy (so its URL is the tokens' issuer).
    const proxy = await startCountingProxy();
    const auth = await hostServer('auth', { databaseFile: path.join(ctx.workDir, 'auth-s1.db'), publicUrl: proxy.url });
    proxy.setTarget(auth.info.url);
    try {
      const authViaProxy = { ...auth.info, url: proxy.url };
      const client = await createM2MClient(authViaProxy);
      const token = await fetchToken(authViaProxy, client, ['read:users']);
      const body = JSON.stringify({ customerId: TUTORIAL_WALLETS[0]?.customerId });
      const results = new Map<string, { load: LoadResult; authRequests: number }>();

      for (const variant of GUARD_VARIANTS) {
        const app = await hostServer('walletVariant', { variant, stytchProject: projectOf(authViaProxy) });
        try {
          const url = new URL('/api/check-balance', app.info.url);
          const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
          // One request first: the JWKS fetch and the first verification are a cold start, not the steady state.
          const first = await fetch(url, { method: 'POST', headers, body });
          if (first.status !== 200) throw new Error(`${variant}: first request answered ${first.status}: ${await first.text()}`);
          proxy.reset();
          ctx.log(`  ${variant}: ${profile.connections} connections, ${profile.durationSeconds} s`);
          const load = await runLoad({
            url: app.info.url,
            method: 'POST',
            path: '/api/check-balance',
            headers,
            body,
            connections: profile.connections,
            durationSeconds: profile.durationSeconds,
            warmupSeconds: profile.warmupSeconds,
          });
          assertClean(variant, load);
          results.set(variant, { load, authRequests: proxy.total() });
          if (variant === 'cached') {
            ctx.rss.push({ server: 'check-balance app (authorizeToken, cache on)', afterRun: 'scenario 1', rssBytes: (await app.stats()).rssBytes });
          }
        } finally {
          await app.close();
        }
      }

      const base = results.get('unguarded')?.load.requestsPerSecond ?? 0;
      const cached = results.get('cached')?.load.requestsPerSecond ?? 0;
      const cachedOk = base > 0 && cached / base >= TARGET_CACHED_RATIO;
      const rows: Row[] = GUARD_VARIANTS.map((variant) => {
        const r = results.get(variant);
        const load = r?.load;
        return {
          scenario: 1,
          case: GUARD_LABELS[variant],
          rate: load ? int(load.requestsPerSecond) : '',
          p50: load ? ms(load.latencyMs.p50) : '',
          p99: load ? ms(load.latencyMs.p99) : '',
          ratio: load ? ratio(load.requestsPerSecond, base) : '',
          value: variant === 'unguarded' ? '' : `${r?.authRequests ?? '?'} auth-server calls`,
          ...(variant === 'cached' ? { target: `≥ 0.90×: ${met(cachedOk)}` } : {}),
        };
      });
      const authCalls = [...results.entries()].filter(([v]) => v !== 'unguarded').reduce((n, [, r]) => n + r.authRequests, 0);
      const tutorial = results.get('tutorial')?.load.requestsPerSecond ?? 0;
      const uncached = results.get('uncached')?.load.requestsPerSecond ?? 0;
      return {
        scenario: 1,
        title: walletGuard.title,
        rows,
        checks: [
          { name: 'guarded (warm cache) ≥ 0.90 of unguarded', passed: cachedOk, judged: false, detail: ratio(cached, base) },
          {
            name: 'no auth-server call per verified request once the JWKS is cached',
            passed: authCalls === 0,
            judged: false,
            detail: `${authCalls} auth-server requests during the guarded runs`,
          },
        ],
        reading: [
          `With a warm cache the guard keeps ${ratio(cached, base)} of the unguarded throughput; verifying every request with the SDK keeps ${ratio(uncached, base)},`,
          `and the tutorial's middleware (the same SDK call plus a console.log of the verified token) ${ratio(tutorial, base)}.`,
          `All verification is local: the guarded runs made ${authCalls} requests to the auth-server after the first one fetched the JWKS.`,
        ],
      };
    } finally {
      await proxy.close();
      await auth.close();
    }
  },
};
