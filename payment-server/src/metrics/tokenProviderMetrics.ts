import { Counter, Gauge, type Registry } from '@m2m/shared';
import type { TokenProviderStats } from '../m2m/tokenProvider';

/**
 * The TokenProvider's counters, read from its `stats()` at each scrape: the copyable m2m/ folder
 * knows nothing of prom-client, and nothing is counted twice.
 */
export function tokenProviderMetrics(registry: Registry, stats: () => TokenProviderStats): void {
  // A counter that mirrors a monotonic count: each scrape adds what the provider counted since the last one.
  const mirrored = (name: string, help: string, read: (s: TokenProviderStats) => number) => {
    let seen = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = read(stats());
        if (now > seen) this.inc(now - seen);
        seen = now;
      },
    });
  };
  mirrored('m2m_token_provider_fetches_total', 'Token requests sent to the auth server (each retry counts)', (s) => s.tokenRequests);
  mirrored(
    'm2m_token_provider_fetch_failures_total',
    'Token requests that failed (refused, unreachable, timed out)',
    (s) => s.failedTokenRequests,
  );
  mirrored(
    'm2m_token_provider_refreshes_total',
    'Refreshes started ahead of expiry while the cached token kept serving',
    (s) => s.refreshesAhead,
  );
  mirrored('m2m_token_provider_cache_hits_total', 'getToken calls answered from the token cache', (s) => s.cacheHits);
  new Gauge({
    name: 'm2m_token_provider_cached_tokens',
    help: 'Tokens the provider holds (one per scope set)',
    registers: [registry],
    collect() {
      this.set(stats().cachedTokens);
    },
  });
}
