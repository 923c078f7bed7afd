import path from 'node:path';
import type { Scenario } from '../lib/context';
import { assertClean, int, met, ms, ratio, ratioWithSpread } from '../lib/format';
import { createM2MClient, sdk } from '../../test/support/stytchProject';
import { tokenRequestBody } from '../lib/tokenRequestBody';
import { measureRs256SigningRate, measureThreadPoolSigningRate, type SigningRate } from '../lib/signingRate';
import { runInterleaved } from '../load/interleave';
import { CORES, coresBusy, cpuBudgetMicros, generatorCpuPerRequest } from '../lib/cpuBudget';
import { hostServer } from '../servers/hostServer';
import type { ServerStats } from '../servers/hosted';

/** Ours at the default log level against oidc-provider issuing JWT access tokens. */
const TARGET_VS_OIDC_PROVIDER = 1.3;
/** Ours at the default log level against the machine's thread-pool signing rate. */
const TARGET_VS_THREAD_POOL = 0.8;
const CASES = ['info', 'warn', 'oidcProvider', 'oidcProviderLowered'] as const;
type Case = (typeof CASES)[number];
const percent = (part: number, whole: number): string => (whole > 0 ? `${Math.round((part / whole) * 100)}%` : 'n/a');
const mean = (a: SigningRate, b: SigningRate): number => (a.signaturesPerSecond + b.signaturesPerSecond) / 2;

/**
 * 3. The token endpoint under load, at the default log level (info: one access line per token)
 * and at warn, against panva's oidc-provider issuing RS256 JWT access tokens (client credentials)
 * in the same interleaved rounds; and against the RS256 signing rate of this machine, one thread
 * and libuv's thread pool (where the auth-server signs).
 */
export const tokenThroughput: Scenario = {
  id: 3,
  title: 'Token endpoint throughput vs oidc-provider and RS256 signing',
  async run(ctx) {
    const { profile } = ctx;
    // Half before the load and half after, so that a change in the machine's background load weighs on both figures.
    ctx.log(`  RS256 signing for ${profile.signingMs / 2} ms, one thread then the thread pool`);
    const oneThreadBefore = measureRs256SigningRate(profile.signingMs / 4);
    const poolBefore = await measureThreadPoolSigningRate(profile.signingMs / 4);

    const info = await hostServer('auth', { databaseFile: path.join(ctx.workDir, 'auth-s3-info.db'), logLevel: 'info' });
    const warn = await hostServer('auth', { databaseFile: path.join(ctx.workDir, 'auth-s3-warn.db'), logLevel: 'warn' });
    const peer = await hostServer('oidcProvider', {});
    // The same peer with its pool below its event loop, as our entry point runs ours: what that choice alone is worth.
    const peerLowered = await hostServer('oidcProvider', { lowerThreadPool: true });
    try {
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const oursSpec = async (auth: typeof info) => {
        const client = await createM2MClient(sdk(auth.info), ['read:users', 'write:wallets'], 'bench payment-service');
        return {
          url: auth.info.url,
          method: 'POST' as const,
          path: `/v1/public/${auth.info.projectId}/oauth2/token`,
          headers: form,
          body: tokenRequestBody(client, 'read:users'),
        };
      };
      const peerSpec = (oidc: typeof peer) => ({
        url: oidc.info.url,
        method: 'POST' as const,
        path: oidc.info.tokenPath,
        headers: form,
        body: tokenRequestBody({ clientId: oidc.info.clientId, clientSecret: oidc.info.clientSecret }, 'read:users'),
      });
      const specs: Record<Case, Awaited<ReturnType<typeof oursSpec>>> = {
        info: await oursSpec(info),
        warn: await oursSpec(warn),
        oidcProvider: peerSpec(peer),
        oidcProviderLowered: peerSpec(peerLowered),
      };
      // The peer must issue what ours issues: a JWT access token, not an opaque one.
      const probe = await fetch(new URL(specs.oidcProvider.path, peer.info.url), {
        method: 'POST',
        headers: form,
        body: specs.oidcProvider.body,
      });
      const issued = (await probe.json()) as { access_token?: string };
      if (probe.status !== 200 || issued.access_token?.split('.').length !== 3) {
        throw new Error(`oidc-provider did not issue a JWT access token (${probe.status}: ${JSON.stringify(issued).slice(0, 200)})`);
      }

      const servers = { info, warn, oidcProvider: peer, oidcProviderLowered: peerLowered };
      const before = new Map<Case, ServerStats>();
      for (const name of CASES) before.set(name, await servers[name].stats());
      ctx.log(
        `  ${CASES.join(', ')}: ${profile.connections} connections, ${profile.rounds} interleaved rounds, ${profile.durationSeconds} s each`,
      );
      const { results, sentRequests, roundRates } = await runInterleaved(
        CASES.map((name) => ({ name, spec: specs[name] })),
        profile,
      );
      for (const [name, load] of results) assertClean(`token endpoint (${name})`, load);
      const cpuPerToken = new Map<Case, number>();
      for (const name of CASES) {
        const spent = (await servers[name].stats()).cpuMicros - (before.get(name)?.cpuMicros ?? 0);
        cpuPerToken.set(name, spent / Math.max(sentRequests.get(name) ?? 0, 1));
      }
      ctx.log(`  RS256 signing for ${profile.signingMs / 2} ms, one thread then the thread pool`);
      const oneThread = mean(oneThreadBefore, measureRs256SigningRate(profile.signingMs / 4));
      const pool = mean(poolBefore, await measureThreadPoolSigningRate(profile.signingMs / 4));
      ctx.rss.push({ server: 'auth-server', afterRun: 'scenario 3 (token endpoint load)', rssBytes: (await info.stats()).rssBytes });

      const rps = (name: Case) => results.get(name)?.requestsPerSecond ?? 0;
      const against = (a: Case, b: Case) => ratioWithSpread(rps(a), rps(b), roundRates.get(a), roundRates.get(b));
      const vsPeerOk = rps('oidcProvider') > 0 && rps('info') / rps('oidcProvider') >= TARGET_VS_OIDC_PROVIDER;
      const vsPoolOk = rps('info') / pool >= TARGET_VS_THREAD_POOL;
      const signingMicros = 1e6 / oneThread;
      // What each target leaves a token for everything but its signature (taken at its one-thread
      // cost, the least it costs) once the load generator has had its share: an upper bound.
      const generatorMicros = generatorCpuPerRequest(results.get('info'));
      const leftAt = (tokensPerSecond: number) => cpuBudgetMicros(tokensPerSecond) - generatorMicros - signingMicros;
      const infoCpu = cpuPerToken.get('info') ?? 0;
      const loadRow = (name: Case, label: string, extra: Partial<{ ratio: string; value: string; target: string }>) => {
        const load = results.get(name);
        return {
          scenario: 3,
          case: label,
          rate: int(rps(name)),
          p50: load ? ms(load.latencyMs.p50) : '',
          p99: load ? ms(load.latencyMs.p99) : '',
          value: `${int(cpuPerToken.get(name) ?? 0)} µs server CPU/token, all threads; load generator ${int(generatorCpuPerRequest(load))} µs/req`,
          ...extra,
        };
      };
      return {
        scenario: 3,
        title: tokenThroughput.title,
        rows: [
          { scenario: 3, case: 'RS256 sign, in process, one thread', rate: `${int(oneThread)}/s`, ratio: ratio(oneThread, pool) },
          { scenario: 3, case: "RS256 sign, in process, libuv's thread pool", rate: `${int(pool)}/s`, ratio: '1.00×' },
          loadRow('info', 'POST /oauth2/token (auth-server, LOG_LEVEL=info, the default)', {
            ratio: ratio(rps('info'), pool),
            target: `≥ ${TARGET_VS_THREAD_POOL.toFixed(2)}× of the thread pool: ${met(vsPoolOk)}`,
          }),
          loadRow('warn', 'POST /oauth2/token (auth-server, LOG_LEVEL=warn)', {
            ratio: ratio(rps('warn'), pool),
            target: `info ÷ warn ${against('info', 'warn')}`,
          }),
          loadRow('oidcProvider', "panva's oidc-provider, client credentials, JWT access token", {
            ratio: ratio(rps('oidcProvider'), pool),
            target: `ours (info) ${against('info', 'oidcProvider')} of it (≥ ${TARGET_VS_OIDC_PROVIDER.toFixed(2)}×: ${met(vsPeerOk)})`,
          }),
          loadRow('oidcProviderLowered', "panva's oidc-provider, its thread pool below its event loop (as ours)", {
            ratio: ratio(rps('oidcProviderLowered'), pool),
            target: `ours (info) ${against('info', 'oidcProviderLowered')} of it`,
          }),
        ],
        checks: [
          {
            name: `token endpoint at info ≥ ${TARGET_VS_OIDC_PROVIDER}× oidc-provider (JWT access tokens)`,
            passed: vsPeerOk,
            judged: false,
            detail: against('info', 'oidcProvider'),
          },
          {
            name: `token endpoint at info ≥ ${TARGET_VS_THREAD_POOL}× thread-pool RS256 signing`,
            passed: vsPoolOk,
            judged: false,
            detail: `${int(rps('info'))} tokens/s, ${ratio(rps('info'), pool)} of ${int(pool)} signatures/s`,
          },
        ],
        reading: [
          `At the default log level (info, one access line per token) the auth-server issued ${int(rps('info'))} tokens/s: ${against('info', 'oidcProvider')} of panva's oidc-provider issuing RS256 JWT access tokens for client credentials in the same rounds (${int(rps('oidcProvider'))}/s), and ${against('info', 'warn')} of its own rate at warn (${int(rps('warn'))}/s). oidc-provider signs on libuv's pool too (jose, with WebCrypto): run below its event loop as ours is, it issued ${int(rps('oidcProviderLowered'))}/s, and ours ${against('info', 'oidcProviderLowered')} of that.`,
          `It signs with crypto.sign's callback, on libuv's thread pool, not on the event loop, and runs the pool's threads below the event loop (nice 10, as its entry point does): this machine makes ${int(pool)} RS256 signatures/s that way (${int(oneThread)}/s on one thread), and the endpoint reaches ${ratio(rps('info'), pool)} of that while sharing the 2 cores with the load generator and its own event loop.`,
          `Each token cost the auth-server ${int(cpuPerToken.get('info') ?? 0)} µs of CPU across all its threads (at warn ${int(cpuPerToken.get('warn') ?? 0)} µs; oidc-provider ${int(cpuPerToken.get('oidcProvider') ?? 0)} µs), of which the RS256 signature is about ${int(signingMicros)} µs (${percent(signingMicros, cpuPerToken.get('info') ?? 0)}); the rest is HTTP, parsing, the client lookup and secret check, JSON and garbage collection.`,
          `What the targets leave: on ${CORES} cores, r tokens/s can cost at most ${CORES} × 10⁶ / r µs of CPU each, summed over every process, and the load generator took ${int(generatorMicros)} µs a request. With the signature at its one-thread cost, ${TARGET_VS_THREAD_POOL}× of the thread pool (${int(TARGET_VS_THREAD_POOL * pool)}/s) leaves at most ${int(leftAt(TARGET_VS_THREAD_POOL * pool))} µs a token for all the endpoint's other work, and ${TARGET_VS_OIDC_PROVIDER}× oidc-provider (${int(TARGET_VS_OIDC_PROVIDER * rps('oidcProvider'))}/s) ${int(leftAt(TARGET_VS_OIDC_PROVIDER * rps('oidcProvider')))} µs, both only with the cores fully busy; the endpoint spends ${int(infoCpu - signingMicros)} µs beyond the signature, with the auth-server and the load generator keeping ${coresBusy(rps('info'), infoCpu + generatorMicros).toFixed(2)} of ${CORES} cores busy.`,
        ],
      };
    } finally {
      await peerLowered.close();
      await peer.close();
      await warn.close();
      await info.close();
    }
  },
};
