import path from 'node:path';
import type { Scenario } from '../lib/context';
import { assertClean, int, met, ms, ratio } from '../lib/format';
import { createM2MClient, sdk } from '../../test/support/stytchProject';
import { tokenRequestBody } from '../lib/tokenRequestBody';
import { measureRs256SigningRate } from '../lib/signingRate';
import { runLoads } from '../load/runLoad';
import { hostServer } from '../servers/hostServer';

const TARGET_TOKENS_PER_SECOND = 1500;
const percent = (part: number, whole: number): string => (whole > 0 ? `${Math.round((part / whole) * 100)}%` : 'n/a');

/** 3. The token endpoint under load, against the raw RS256 signing rate of one core, same run. */
export const tokenThroughput: Scenario = {
  id: 3,
  title: 'Token endpoint throughput vs in-process RS256 signing',
  async run(ctx) {
    const { profile } = ctx;
    // The ceiling for one core, measured with nothing else of ours running: half before the load
    // and half after, so that a change in the machine's background load weighs on both figures.
    ctx.log(`  in-process RS256 signing for ${profile.signingMs / 2} ms`);
    const signingBefore = measureRs256SigningRate(profile.signingMs / 2);

    const auth = await hostServer('auth', { databaseFile: path.join(ctx.workDir, 'auth-s3.db') });
    try {
      const client = await createM2MClient(sdk(auth.info), ['read:users', 'write:wallets'], 'bench payment-service');
      ctx.log(`  token endpoint load (${profile.connections} connections, ${profile.durationSeconds} s)`);
      const spec = {
        url: auth.info.url,
        method: 'POST' as const,
        path: `/v1/public/${auth.info.projectId}/oauth2/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: tokenRequestBody(client, 'read:users'),
        connections: profile.connections,
        warmupSeconds: 0,
      };
      const cpuBefore = (await auth.stats()).cpuMicros;
      const [warmup, load] = await runLoads([
        { ...spec, durationSeconds: profile.warmupSeconds },
        { ...spec, durationSeconds: profile.durationSeconds },
      ]);
      if (!warmup || !load) throw new Error('the load generator returned no result');
      // The auth-server's CPU per token (every thread), against what one signature costs in process.
      const cpuPerToken = ((await auth.stats()).cpuMicros - cpuBefore) / Math.max(warmup.requests + load.requests, 1);
      assertClean('token endpoint', load);
      ctx.log(`  in-process RS256 signing for ${profile.signingMs / 2} ms`);
      const signingAfter = measureRs256SigningRate(profile.signingMs / 2);
      const signing = { signaturesPerSecond: (signingBefore.signaturesPerSecond + signingAfter.signaturesPerSecond) / 2 };
      const stats = await auth.stats();
      ctx.rss.push({ server: 'auth-server', afterRun: 'scenario 3 (token endpoint load)', rssBytes: stats.rssBytes });

      const ok = load.requestsPerSecond >= TARGET_TOKENS_PER_SECOND;
      const signingMicros = 1e6 / signing.signaturesPerSecond;
      return {
        scenario: 3,
        title: tokenThroughput.title,
        rows: [
          { scenario: 3, case: 'RS256 sign, in process (1 core)', rate: `${int(signing.signaturesPerSecond)}/s`, ratio: '1.00×' },
          {
            scenario: 3,
            case: 'POST /oauth2/token (auth-server)',
            rate: int(load.requestsPerSecond),
            p50: ms(load.latencyMs.p50),
            p99: ms(load.latencyMs.p99),
            ratio: ratio(load.requestsPerSecond, signing.signaturesPerSecond),
            value: `${int(cpuPerToken)} µs server CPU/token, all threads (signing ≈ ${int(signingMicros)} µs of it)`,
            target: `≥ ${int(TARGET_TOKENS_PER_SECOND)}/s: ${met(ok)}`,
          },
        ],
        checks: [{ name: 'token endpoint ≥ 1,500 tokens/s', passed: ok, judged: false, detail: `${int(load.requestsPerSecond)} tokens/s` }],
        reading: [
          `The auth-server issued ${int(load.requestsPerSecond)} tokens/s, ${ratio(load.requestsPerSecond, signing.signaturesPerSecond)} of what one core signs in a tight loop (${int(signing.signaturesPerSecond)}/s).`,
          `Each token cost the auth-server process ${int(cpuPerToken)} µs of CPU across all its threads (the garbage collector's helpers included), of which the RS256 signature is about ${int(signingMicros)} µs (${percent(signingMicros, cpuPerToken)}); the rest is HTTP, parsing, the client lookup and secret check, JSON and garbage collection.`,
          'The server signs on one thread (one Node process), so the single-core signing rate is its ceiling; here it shares 2 cores with the load generator.',
        ],
      };
    } finally {
      await auth.close();
    }
  },
};
