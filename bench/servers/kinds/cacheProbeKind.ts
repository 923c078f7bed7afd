import { closeServer, createStytchClient, listen, type StytchProject } from '@m2m/shared';
import { authorizeToken } from '@m2m/wallet-server';
import { createCheckBalanceApp, TUTORIAL_WALLETS } from '../../apps/checkBalanceApp';
import { countVerifications } from '../../apps/countingStytchClient';
import { defineKind } from '../hostedKind';

export interface CacheProbeOptions {
  stytchProject: StytchProject;
  /** The cache's bound; the middleware's default when absent (what users get). */
  maxEntries?: number;
}

export interface CacheProbeStats {
  /** SDK verifications the middleware made (cache misses). */
  verifications: number;
  cacheEntries: number | undefined;
  maxEntries: number;
  /** After a full GC, so that it shows what is retained. */
  heapUsedBytes: number;
}

/** Scenario 5: the check-balance handler behind authorizeToken with its cache on, counting verifications. */
export const cacheProbeKind = defineKind<CacheProbeOptions, { url: string; customerId: string }>(async (options) => {
  const counted = countVerifications(createStytchClient(options.stytchProject));
  const guard = authorizeToken('read:users', {
    client: counted.client,
    ...(options.maxEntries === undefined ? {} : { cache: { maxEntries: options.maxEntries } }),
  });
  const app = createCheckBalanceApp(guard);
  const running = await listen(app, 0, '127.0.0.1');
  const collect = (collectGarbage: boolean): CacheProbeStats => {
    if (collectGarbage) globalThis.gc?.();
    return {
      verifications: counted.verifications(),
      cacheEntries: guard.cache?.size,
      maxEntries: guard.cache?.maxEntries ?? options.maxEntries ?? 0,
      heapUsedBytes: process.memoryUsage().heapUsed,
    };
  };
  return {
    info: { url: running.url, customerId: TUTORIAL_WALLETS[0]?.customerId ?? '' },
    close: () => closeServer(running.server, 2000),
    stats: () => {
      const { verifications, cacheEntries, maxEntries } = collect(false);
      return { verifications, maxEntries, ...(cacheEntries === undefined ? {} : { cacheEntries }) };
    },
    commands: { collect: async () => collect(true) },
  };
});
