import path from 'node:path';
import type { Scenario } from '../lib/context';
import { assertClean, int, met, ms, ratio } from '../lib/format';
import { createM2MClient, tokenRequestBody } from '../lib/provision';
import { measureRs256SigningRate } from '../lib/signingRate';
import { runLoad } from '../load/runLoad';
import { hostServer } from '../servers/hostServer';

const TARGET_TOKENS_PER_SECOND = 1500;

/** 3. The token endpoint under load, against the raw RS256 signing rate of one core, same run. */
export const tokenThroughput: Scenario = {
  id: 3,
  title: 'Token endpoint throughput vs in-process RS256 signing',
  async run(ctx) {
    const { profile } = ctx;
    // Measured first, with nothing else running: the ceiling for one core.
    ctx.log(`  in-process RS256 signing for ${profile.signingMs} ms`);
    const signing = measureRs256SigningRate(profile.signingMs);

    const auth = await hostServer('auth', { databaseFile: path.join(ctx.workDir, 'auth-s3.db') });
    try {
      const client = await createM2MClient(auth.info);
      ctx.log(`  token endpoint load (${profile.connections} connections, ${profile.durationSeconds} s)`);
      const load = await runLoad({
        url: auth.info.url,
        method: 'POST',
        path: `/v1/public/${auth.info.projectId}/oauth2/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: tokenRequestBody(client, 'read:users'),
        connections: profile.connections,
        durationSeconds: profile.durationSeconds,
        warmupSeconds: profile.warmupSeconds,
      });
      assertClean('token endpoint', load);
      const stats = await auth.stats();
      ctx.rss.push({ server: 'auth-server', afterRun: 'scenario 3 (token endpoint load)', rssBytes: stats.rssBytes });

      const ok = load.requestsPerSecond >= TARGET_TOKENS_PER_SECOND;
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
            target: `≥ ${int(TARGET_TOKENS_PER_SECOND)}/s: ${met(ok)}`,
          },
        ],
        checks: [{ name: 'token endpoint ≥ 1,500 tokens/s', passed: ok, judged: false, detail: `${int(load.requestsPerSecond)} tokens/s` }],
        reading: [
          `The auth-server issued ${int(load.requestsPerSecond)} tokens/s, ${ratio(load.requestsPerSecond, signing.signaturesPerSecond)} of what one core signs in a tight loop (${int(signing.signaturesPerSecond)}/s);`,
          'the rest of each request (HTTP, parsing, client lookup and secret check, JSON) is the gap between the two.',
          'The server is one Node process, so the single-core signing rate is its ceiling.',
        ],
      };
    } finally {
      await auth.close();
    }
  },
};
