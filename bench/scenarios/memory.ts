import path from 'node:path';
import type { Scenario } from '../lib/context';
import { int, mib } from '../lib/format';
import { createKeepAliveClient } from '../lib/keepAliveHttp';
import { createM2MClient, projectOf, tokenRequestBody } from '../lib/provision';
import type { Check, Row } from '../lib/result';
import { hostServer } from '../servers/hostServer';
import type { CacheProbeStats } from '../servers/kinds/cacheProbeKind';

/** Token fetches and verifications in flight at once while feeding the cache. */
const FEED_CONCURRENCY = 32;

/**
 * 5. Memory. First the RSS each server had right after the load it served in scenarios 1-4; then
 * the verified-token cache fed N distinct valid tokens (each fetched from the auth-server and sent
 * once through authorizeToken with its cache on): the cache must stay within its bound, and the
 * process's memory must stop growing with it.
 */
export const memory: Scenario = {
  id: 5,
  title: 'Memory: server RSS, and the verified-token cache under distinct tokens',
  async run(ctx) {
    const n = ctx.profile.distinctTokens;
    const auth = await hostServer('auth', { databaseFile: path.join(ctx.workDir, 'auth-s5.db') });
    const probe = await hostServer('cacheProbe', {
      stytchProject: projectOf(auth.info),
      ...(ctx.profile.cacheProbeMaxEntries === undefined ? {} : { maxEntries: ctx.profile.cacheProbeMaxEntries }),
    });
    const http = createKeepAliveClient(FEED_CONCURRENCY * 2);
    try {
      const client = await createM2MClient(auth.info);
      const tokenUrl = new URL(`/v1/public/${auth.info.projectId}/oauth2/token`, auth.info.url).toString();
      const guardedUrl = new URL('/api/check-balance', probe.info.url).toString();
      const tokenBody = tokenRequestBody(client, 'read:users');
      const balanceBody = JSON.stringify({ customerId: probe.info.customerId });

      const fetchToken = async (): Promise<string> => {
        const answer = await http.request(tokenUrl, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, tokenBody);
        if (answer.status !== 200) throw new Error(`token endpoint answered ${answer.status}: ${answer.body.slice(0, 200)}`);
        return (JSON.parse(answer.body) as { access_token: string }).access_token;
      };
      const verify = async (token: string): Promise<void> => {
        const answer = await http.request(guardedUrl, 'POST', { 'content-type': 'application/json', authorization: `Bearer ${token}` }, balanceBody);
        if (answer.status !== 200) throw new Error(`guarded route answered ${answer.status}: ${answer.body.slice(0, 200)}`);
      };

      const start = await probe.stats();
      ctx.log(`  feeding ${int(n)} distinct valid tokens through authorizeToken (cache bound ${int(start.extra.maxEntries ?? 0)})`);
      let next = 0;
      let firstToken: string | undefined;
      let lastToken: string | undefined;
      const started = Date.now();
      const worker = async (): Promise<void> => {
        while (next < n) {
          const index = next++;
          const token = await fetchToken();
          await verify(token);
          if (index === 0) firstToken = token;
          lastToken = token;
          if ((index + 1) % 20_000 === 0) ctx.log(`  ${int(index + 1)} tokens fed`);
        }
      };
      await Promise.all(Array.from({ length: FEED_CONCURRENCY }, worker));
      const seconds = (Date.now() - started) / 1000;
      const fed = await probe.command<CacheProbeStats>('collect');
      const fedRss = (await probe.stats()).rssBytes;

      // Behaviour, not only the counter: the newest token is served from the cache (no new
      // verification), the oldest was evicted (verified again).
      if (!firstToken || !lastToken) throw new Error('no token was fed');
      await verify(lastToken);
      const afterLast = await probe.command<CacheProbeStats>('collect');
      await verify(firstToken);
      const afterFirst = await probe.command<CacheProbeStats>('collect');
      const newestCached = afterLast.verifications === fed.verifications;
      const oldestEvicted = afterFirst.verifications === afterLast.verifications + 1;

      const bound = fed.maxEntries;
      const withinBound = fed.cacheEntries !== undefined && fed.cacheEntries <= bound;
      ctx.rss.push({ server: 'wallet (authorizeToken, cache on)', afterRun: `scenario 5 (${int(n)} distinct tokens)`, rssBytes: fedRss });
      ctx.rss.push({ server: 'auth-server', afterRun: `scenario 5 (${int(n)} tokens issued)`, rssBytes: (await auth.stats()).rssBytes });

      const rows: Row[] = ctx.rss.map((sample) => ({
        scenario: 5,
        case: `RSS: ${sample.server}, after ${sample.afterRun}`,
        value: mib(sample.rssBytes),
      }));
      rows.push({
        scenario: 5,
        case: `verified-token cache after ${int(n)} distinct valid tokens`,
        rate: `${int(n / seconds)} tokens/s fed`,
        value: `${fed.cacheEntries === undefined ? '?' : int(fed.cacheEntries)} entries; heap ${mib(start.heapUsedBytes)} → ${mib(fed.heapUsedBytes)}`,
        target: `≤ ${int(bound)} entries: ${withinBound ? 'met' : 'NOT met'}`,
      });
      rows.push({
        scenario: 5,
        case: 'replay: newest token / oldest token',
        value: `${newestCached ? 'cached' : 'verified again'} / ${oldestEvicted ? 'evicted (verified again)' : 'still cached'}`,
      });
      const checks: Check[] = [
        { name: `verified-token cache ≤ its bound (${int(bound)}) after ${int(n)} distinct tokens`, passed: withinBound, judged: false, detail: `${fed.cacheEntries ?? 'unknown'} entries` },
        { name: 'newest token served from the cache, oldest evicted', passed: newestCached && (n <= bound || oldestEvicted), judged: false, detail: `${afterLast.verifications - fed.verifications} / ${afterFirst.verifications - afterLast.verifications} new verifications` },
      ];
      return {
        scenario: 5,
        title: memory.title,
        rows,
        checks,
        reading: [
          `After ${int(n)} distinct valid tokens the verified-token cache held ${fed.cacheEntries === undefined ? 'an unknown number of' : int(fed.cacheEntries)} entries (bound ${int(bound)}) and the guarded process's heap went from ${mib(start.heapUsedBytes)} to ${mib(fed.heapUsedBytes)} (RSS ${mib(fedRss)}):`,
          'a flood of distinct tokens (many clients, or an attacker replaying valid ones) costs bounded memory; the oldest entries are evicted and simply verified again if they come back.',
          'The RSS rows are each server process right after its heaviest run in this bench.',
        ],
      };
    } finally {
      http.close();
      await probe.close();
      await auth.close();
    }
  },
};
