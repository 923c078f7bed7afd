import path from 'node:path';
import type { Scenario } from '../lib/context';
import { int, mib } from '../lib/format';
import { createKeepAliveClient } from '../lib/keepAliveHttp';
import { createM2MClient, projectOf, sdk } from '../../test/support/stytchProject';
import { tokenRequestBody } from '../lib/tokenRequestBody';
import type { Check, Row } from '../lib/result';
import { hostServer } from '../servers/hostServer';

/** Token fetches and verifications in flight at once while feeding the cache. */
const FEED_CONCURRENCY = 32;
/** Tokens of the flood replayed: each must miss the cache. */
const FLOOD_REPLAYED = 100;

/**
 * 5. Memory. First the RSS each server had right after the load it served in scenarios 1-4; then
 * the verified-token cache fed N distinct valid tokens (each fetched from the auth-server and sent
 * once through authorizeToken with its cache on). The cache is watched from outside: its heap after
 * a GC once it is full and again after N tokens, and replays that show which tokens it still holds:
 * those that filled it (the flood of one-time tokens after them passed by without evicting them).
 */
export const memory: Scenario = {
  id: 5,
  title: 'Memory: server RSS, and the verified-token cache under distinct tokens',
  async run(ctx) {
    const n = ctx.profile.distinctTokens;
    const bound = ctx.profile.cacheMaxEntries;
    const auth = await hostServer('auth', { databaseFile: path.join(ctx.workDir, 'auth-s5.db') });
    const probe = await hostServer('cacheProbe', { stytchProject: projectOf(auth.info), maxEntries: bound });
    const http = createKeepAliveClient(FEED_CONCURRENCY * 2);
    try {
      const client = await createM2MClient(sdk(auth.info), ['read:users', 'write:wallets'], 'bench payment-service');
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
        const answer = await http.request(
          guardedUrl,
          'POST',
          { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          balanceBody,
        );
        if (answer.status !== 200) throw new Error(`guarded route answered ${answer.status}: ${answer.body.slice(0, 200)}`);
      };
      // After a full GC, so that the heap shows what the cache retains, not what awaits collection.
      const sample = async () => {
        const { counters, heapUsedBytes, rssBytes } = await probe.stats({ gc: true });
        return { verifications: counters.verifications ?? 0, cacheEntries: counters.cacheEntries, heapUsedBytes, rssBytes };
      };
      const deadline = Date.now() + ctx.profile.feedBudgetSeconds * 1000;
      /** Sends each token once through the guard; resolves with them in the order they were verified. */
      const feed = async (count: number): Promise<string[]> => {
        const verified: string[] = [];
        let started = 0;
        const worker = async (): Promise<void> => {
          while (started < count && Date.now() < deadline) {
            started++;
            const token = await fetchToken();
            await verify(token);
            verified.push(token);
            if (verified.length % 20_000 === 0) ctx.log(`  ${int(verified.length)} tokens fed`);
          }
        };
        await Promise.all(Array.from({ length: Math.min(FEED_CONCURRENCY, count) }, worker));
        return verified;
      };

      const empty = await sample();
      ctx.log(`  feeding ${int(n)} distinct valid tokens through authorizeToken (cache bound ${int(bound)})`);
      const started = Date.now();
      const tokens = await feed(bound);
      if (tokens.length < bound)
        throw new Error(`fed only ${tokens.length} tokens in ${ctx.profile.feedBudgetSeconds} s, not enough to fill the cache`);
      const full = await sample();
      tokens.push(...(await feed(n - bound)));
      const seconds = (Date.now() - started) / 1000;
      const flooded = await sample();
      const fed = tokens.length;
      const entries = flooded.cacheEntries;
      if (fed < n) ctx.log(`  stopped after ${int(fed)} tokens: the ${ctx.profile.feedBudgetSeconds} s budget ran out`);

      // Which tokens does it still hold? Those that filled it must all hit: once full, the cache lets a
      // token in only on its second miss, so a flood of one-time tokens passes by. Tokens of the flood
      // must all miss. The margin covers tokens whose verifications finished out of order under concurrency.
      const held = tokens.slice(0, bound - FEED_CONCURRENCY * 2);
      for (const token of held) await verify(token);
      const afterHeld = await sample();
      // From the start of the flood: long enough ago that the doorkeeper has forgotten them too.
      const passedBy = tokens.slice(bound, bound + FLOOD_REPLAYED);
      for (const token of passedBy) await verify(token);
      const afterFlood = await sample();
      const heldMisses = afterHeld.verifications - flooded.verifications;
      const floodMisses = afterFlood.verifications - afterHeld.verifications;
      const keptHeld = heldMisses === 0;
      const floodPassedBy = floodMisses === passedBy.length;

      // Retained heap after n tokens vs once the cache first filled: within a tenth of the full cache's own size.
      const cacheHeap = Math.max(full.heapUsedBytes - empty.heapUsedBytes, 0);
      const growth = flooded.heapUsedBytes - full.heapUsedBytes;
      const heapFlat = growth <= Math.max(cacheHeap * 0.1, 4 * 1024 * 1024);

      ctx.rss.push({
        server: 'check-balance app (authorizeToken, cache on)',
        afterRun: `scenario 5 (${int(fed)} distinct tokens)`,
        rssBytes: flooded.rssBytes,
      });
      ctx.rss.push({ server: 'auth-server', afterRun: `scenario 5 (${int(fed)} tokens issued)`, rssBytes: (await auth.stats()).rssBytes });

      const rows: Row[] = ctx.rss.map((rss) => ({
        scenario: 5,
        case: `RSS: ${rss.server}, after ${rss.afterRun}`,
        value: mib(rss.rssBytes),
      }));
      rows.push(
        {
          scenario: 5,
          case: `verified-token cache (bound ${int(bound)}): heap after GC, empty → full → ${int(fed)} tokens${fed < n ? ` (of ${int(n)}: time budget ran out)` : ''}`,
          rate: `${int(fed / seconds)} tokens/s fed`,
          value: `${mib(empty.heapUsedBytes)} → ${mib(full.heapUsedBytes)} → ${mib(flooded.heapUsedBytes)}; ${entries === undefined ? '?' : int(entries)} entries`,
          target: `flat once full: ${heapFlat ? 'met' : 'NOT met'}`,
        },
        {
          scenario: 5,
          case: `replay: the first ${int(held.length)} tokens (they filled the cache) / ${passedBy.length} tokens of the flood after them`,
          value: `${int(heldMisses)} / ${int(floodMisses)} verified again`,
          target: `0 / ${passedBy.length}: ${keptHeld && floodPassedBy ? 'met' : 'NOT met'}`,
        },
      );
      const checks: Check[] = [
        {
          name: `verified-token cache's own entry count ≤ ${int(bound)} after ${int(fed)} distinct tokens`,
          passed: entries !== undefined && entries <= bound,
          judged: false,
          detail: entries === undefined ? 'the middleware does not report its size' : `${int(entries)} entries`,
        },
        {
          name: `verified-token cache keeps what it holds through a flood of ${int(fed - bound)} one-time tokens, within its bound (${int(bound)})`,
          passed: keptHeld && floodPassedBy,
          judged: false,
          detail: `first ${int(held.length)} replayed: ${heldMisses} misses; ${passedBy.length} of the flood: ${floodMisses} misses`,
        },
        {
          name: 'retained heap stops growing once the cache is full',
          passed: heapFlat,
          judged: false,
          detail: `${mib(full.heapUsedBytes)} when full, ${mib(flooded.heapUsedBytes)} after ${int(fed)} tokens`,
        },
      ];
      return {
        scenario: 5,
        title: memory.title,
        rows,
        checks,
        reading: [
          `Fed ${int(fed)} distinct valid tokens, the cache held ${entries === undefined ? 'an unreported number of' : int(entries)} entries (bound ${int(bound)}) and the guarded process retained ${mib(flooded.heapUsedBytes)} of heap after a GC, against ${mib(full.heapUsedBytes)} when its cache first held ${int(bound)} (${mib(cacheHeap)} for the full cache, about ${int(cacheHeap / bound)} bytes an entry).`,
          `Replayed, the first ${int(held.length)} tokens, which filled the cache, all hit (${heldMisses} verified again) and ${passedBy.length} tokens of the flood after them missed (${floodMisses} verified again):`,
          'once full, the cache lets a token in only on its second miss, so a flood of one-time tokens (many clients, or replays of valid ones) costs bounded memory and evicts nothing; a token that was not kept is simply verified again.',
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
