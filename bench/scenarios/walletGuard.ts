import path from 'node:path';
import type { Scenario } from '../lib/context';
import { assertClean, int, met, ms, ratio } from '../lib/format';
import { accessToken, createM2MClient, projectOf, sdk } from '../../test/support/stytchProject';
import type { Row } from '../lib/result';
import { GUARD_LABELS, GUARD_VARIANTS, type GuardVariant } from '../apps/guardVariants';
import { TUTORIAL_WALLETS } from '../apps/checkBalanceApp';
import { startCountingProxy } from '../../test/support/countingProxy';
import { runInterleaved } from '../load/interleave';
import { hostServer, type ServerProcess } from '../servers/hostServer';
import type { ServerStats } from '../servers/hosted';

const TARGET_CACHED_RATIO = 0.9;
const SHORT_LABELS: Record<GuardVariant, string> = { unguarded: 'no guard', cached: 'cached', uncached: 'cache off', tutorial: 'tutorial' };
/** Distinct tokens rotated across requests; more than the connections, so concurrent requests differ. */
const TOKEN_POOL = 64;

/**
 * 1. The same check-balance handler unguarded, behind authorizeToken (warm cache, and cache off),
 * and behind the tutorial's middleware, each in a process of its own, measured in interleaved
 * rounds. The auth-server sits behind a counting proxy (and issues tokens with the proxy's URL as
 * `iss`), so any call a verified request makes to it shows.
 */
export const walletGuard: Scenario = {
  id: 1,
  title: 'Wallet route: guarded vs unguarded',
  async run(ctx) {
    const { profile } = ctx;
    const proxy = await startCountingProxy();
    const auth = await hostServer('auth', { databaseFile: path.join(ctx.workDir, 'auth-s1.db'), publicUrl: proxy.url });
    proxy.setTarget(auth.info.url);
    const apps = new Map<GuardVariant, ServerProcess<{ url: string }>>();
    try {
      const authViaProxy = { ...auth.info, url: proxy.url };
      const client = await createM2MClient(sdk(authViaProxy), ['read:users', 'write:wallets'], 'bench payment-service');
      // A pool of distinct tokens, rotated per request: concurrent requests carry different tokens, so
      // "cache off" really verifies every request (authorizeToken shares one verification among
      // concurrent requests with the same token), and the cache serves several clients' tokens.
      const tokens: string[] = [];
      for (let i = 0; i < TOKEN_POOL; i++) tokens.push(await accessToken(sdk(authViaProxy), client, ['read:users']));
      const body = JSON.stringify({ customerId: TUTORIAL_WALLETS[0]?.customerId });
      const headers = { 'content-type': 'application/json' };
      const rotateHeader = { name: 'authorization', values: tokens.map((token) => `Bearer ${token}`) };

      for (const variant of GUARD_VARIANTS) {
        const app = await hostServer('walletVariant', { variant, stytchProject: projectOf(authViaProxy) });
        apps.set(variant, app);
        // One request per token first: the JWKS fetch and the first verifications are a cold start, not the steady state.
        for (const authorization of rotateHeader.values) {
          const first = await fetch(new URL('/api/check-balance', app.info.url), {
            method: 'POST',
            headers: { ...headers, authorization },
            body,
          });
          if (first.status !== 200) throw new Error(`${variant}: first request answered ${first.status}: ${await first.text()}`);
        }
      }
      proxy.reset();
      const before = new Map<GuardVariant, ServerStats>();
      for (const [variant, app] of apps) before.set(variant, await app.stats());
      ctx.log(
        `  ${GUARD_VARIANTS.join(', ')}: ${profile.connections} connections, ${profile.rounds} interleaved rounds, ${profile.durationSeconds} s each`,
      );
      const { results, sentRequests } = await runInterleaved(
        GUARD_VARIANTS.map((variant) => ({
          name: variant,
          spec: {
            url: apps.get(variant)?.info.url ?? '',
            method: 'POST' as const,
            path: '/api/check-balance',
            headers,
            body,
            rotateHeader,
          },
        })),
        profile,
      );
      for (const [variant, load] of results) assertClean(variant, load);
      // Server CPU per request: the cost of each guard in the server's own process, much less
      // sensitive than requests/s to what else the machine (and the load generator) is doing.
      const cpuPerRequest = new Map<GuardVariant, number>();
      const verificationsPerRequest = new Map<GuardVariant, number>();
      for (const [variant, app] of apps) {
        const after = await app.stats();
        const sent = Math.max(sentRequests.get(variant) ?? 0, 1);
        cpuPerRequest.set(variant, (after.cpuMicros - (before.get(variant)?.cpuMicros ?? 0)) / sent);
        verificationsPerRequest.set(
          variant,
          ((after.counters.verifications ?? 0) - (before.get(variant)?.counters.verifications ?? 0)) / sent,
        );
      }
      // The revocation checks' periodic calls (a status lookup per client per 30 s, a JWKS read per
      // 60 s) are counted apart: the target is that no verification itself calls the auth-server.
      const periodic = Object.entries(proxy.requests())
        .filter(([key]) => /^GET \/v1\/(m2m\/clients\/|sessions\/jwks\/)/.test(key))
        .reduce((n, [, count]) => n + count, 0);
      const authCalls = proxy.requestTotal() - periodic;
      const verifiedRequests = GUARD_VARIANTS.filter((v) => v !== 'unguarded').reduce((n, v) => n + (results.get(v)?.requests ?? 0), 0);
      const cachedApp = apps.get('cached');
      if (cachedApp)
        ctx.rss.push({
          server: 'check-balance app (authorizeToken, cache on)',
          afterRun: 'scenario 1',
          rssBytes: (await cachedApp.stats()).rssBytes,
        });

      const rps = (variant: GuardVariant) => results.get(variant)?.requestsPerSecond ?? 0;
      const base = rps('unguarded');
      const cachedOk = base > 0 && rps('cached') / base >= TARGET_CACHED_RATIO;
      const rows: Row[] = GUARD_VARIANTS.map((variant) => {
        const load = results.get(variant);
        return {
          scenario: 1,
          case: GUARD_LABELS[variant],
          rate: load ? int(load.requestsPerSecond) : '',
          p50: load ? ms(load.latencyMs.p50) : '',
          p99: load ? ms(load.latencyMs.p99) : '',
          ratio: ratio(rps(variant), base),
          value: `${int(cpuPerRequest.get(variant) ?? 0)} µs CPU/req (${ratio(cpuPerRequest.get(variant) ?? 0, cpuPerRequest.get('unguarded') ?? 0)}); ${(verificationsPerRequest.get(variant) ?? 0).toFixed(2)} SDK verif./req`,
          ...(variant === 'cached' ? { target: `≥ 0.90×: ${met(cachedOk)}` } : {}),
        };
      });
      rows.push({
        scenario: 1,
        case: 'auth-server requests per verified request (JWKS cached)',
        value: `${authCalls} in ${int(verifiedRequests)} verified requests (and ${periodic} periodic revocation checks)`,
        target: `0: ${met(authCalls === 0)}`,
      });
      return {
        scenario: 1,
        title: walletGuard.title,
        rows,
        checks: [
          { name: 'guarded (warm cache) ≥ 0.90 of unguarded', passed: cachedOk, judged: false, detail: ratio(rps('cached'), base) },
          {
            name: 'no auth-server call per verified request once the JWKS is cached',
            passed: authCalls === 0,
            judged: false,
            detail: `${authCalls} auth-server requests in ${int(verifiedRequests)} verified requests`,
          },
        ],
        reading: [
          `With a warm cache the guard keeps ${ratio(rps('cached'), base)} of the unguarded throughput; verifying every request with the SDK keeps ${ratio(rps('uncached'), base)},`,
          `and the tutorial's middleware (the same SDK call plus a console.log of the whole response) ${ratio(rps('tutorial'), base)}.`,
          `Server CPU per request, less sensitive to the machine's other load: ${GUARD_VARIANTS.map((v) => `${SHORT_LABELS[v]} ${int(cpuPerRequest.get(v) ?? 0)} µs`).join('; ')}.`,
          `Verification is local: ${int(verifiedRequests)} verified requests made ${authCalls} requests to the auth-server once the first one had fetched the JWKS.`,
        ],
      };
    } finally {
      for (const app of apps.values()) await app.close();
      await proxy.close();
      await auth.close();
    }
  },
};
