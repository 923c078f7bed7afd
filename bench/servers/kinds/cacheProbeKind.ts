import { closeServer, createStytchClient, listen, type StytchProject } from '@m2m/shared';
// The file users copy into their own apps, imported as such (it stands alone).
import { authorizeToken } from '@m2m/shared';
import { createCheckBalanceApp, TUTORIAL_WALLETS } from '../../apps/checkBalanceApp';
import { countVerifications } from '../../../test/support/countVerifications';
import { defineKind } from '../hostedKind';

export interface CacheProbeOptions {
  stytchProject: StytchProject;
  /** The cache's bound; the middleware's default when absent (what users get). */
  maxEntries?: number;
}

export interface CacheProbeSample {
  /** SDK verifications the middleware made so far (= cache misses). */
  verifications: number;
  /** The middleware's own read-only view of its cache size, when it offers one. */
  cacheEntries: number | undefined;
  /** After a full GC, so that it shows what is retained, not what awaits collection. */
  heapUsedBytes: number;
  rssBytes: number;
}

/**
 * Scenario 5: the check-balance handler behind authorizeToken with its cache on. Besides the
 * middleware's own count of entries, the bench watches the cache from outside: every SDK
 * verification is a cache miss (counted by wrapping the client), and the heap after a GC is what
 * the cache retains.
 */
export const cacheProbeKind = defineKind<CacheProbeOptions, { url: string; customerId: string }>(async (options) => {
  const client = createStytchClient(options.stytchProject);
  const verifications = countVerifications(client);
  const guard = authorizeToken('read:users', {
    client,
    ...(options.maxEntries === undefined ? {} : { cache: { maxEntries: options.maxEntries } }),
  });
  const running = await listen(createCheckBalanceApp(guard), 0, '127.0.0.1');
  return {
    info: { url: running.url, customerId: TUTORIAL_WALLETS[0]?.customerId ?? '' },
    close: () => closeServer(running.server, 2000),
    stats: () => ({ verifications: verifications() }),
    commands: {
      sample: (): Promise<CacheProbeSample> => {
        // Twice: the first pass can leave finalizers whose memory only the second frees.
        globalThis.gc?.();
        globalThis.gc?.();
        const memory = process.memoryUsage();
        return Promise.resolve({
          verifications: verifications(),
          cacheEntries: guard.cache?.size,
          heapUsedBytes: memory.heapUsed,
          rssBytes: memory.rss,
        });
      },
    },
  };
});
