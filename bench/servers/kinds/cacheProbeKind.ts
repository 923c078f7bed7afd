import { closeServer, createStytchClient, listen, type StytchProject } from '@m2m/shared';
// The file users copy into their own apps, imported as such (it stands alone).
import { authorizeToken } from '@m2m/shared';
import { createCheckBalanceApp, TUTORIAL_WALLETS } from '../../apps/checkBalanceApp';
import { countVerifications } from '../../../test/support/countVerifications';
import type { HostedServer } from '../hosted';

export interface CacheProbeOptions {
  stytchProject: StytchProject;
  /** The cache's bound; the middleware's default when absent (what users get). */
  maxEntries?: number;
}

/**
 * Scenario 5: the check-balance handler behind authorizeToken with its cache on. Besides the
 * middleware's own count of entries, the bench watches the cache from outside: every SDK
 * verification is a cache miss (counted by wrapping the client), and the heap after a GC is what
 * the cache retains.
 */
export async function startCacheProbe(options: CacheProbeOptions): Promise<HostedServer<{ url: string; customerId: string }>> {
  const client = createStytchClient(options.stytchProject);
  const verifications = countVerifications(client);
  const guard = authorizeToken('read:users', {
    client,
    ...(options.maxEntries === undefined ? {} : { cache: { maxEntries: options.maxEntries } }),
  });
  const running = await listen(createCheckBalanceApp([guard]), 0, '127.0.0.1');
  return {
    info: { url: running.url, customerId: TUTORIAL_WALLETS[0]?.customerId ?? '' },
    close: () => closeServer(running.server, 2000),
    counters: () => ({ verifications: verifications(), cacheEntries: guard.cache?.size }),
  };
}
