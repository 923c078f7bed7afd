import { Counter, Gauge, type Registry } from 'prom-client';
import type { AuthorizeTokenEvent, AuthorizeTokenMiddleware } from '../middleware/authorizeToken';

export interface AuthorizeTokenMetrics {
  /** The `onEvent` option for every authorizeToken of the app. */
  onEvent: (event: AuthorizeTokenEvent) => void;
  /**
   * Reports the size of this middleware's verified-token cache. Middleware built with the same client
   * and settings share one cache: watch one of them (any, even one that guards nothing), not each.
   */
  watchCache(middleware: AuthorizeTokenMiddleware): void;
}

/** authorizeToken's answers and its verified-token cache, counted through its `onEvent` hook. */
export function authorizeTokenMetrics(registry: Registry): AuthorizeTokenMetrics {
  const verifications = new Counter({
    name: 'm2m_token_verifications_total',
    help: 'Requests authorizeToken answered: accepted, or the code it refused them with',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const lookups = new Counter({
    name: 'm2m_verified_token_cache_lookups_total',
    help: 'Lookups in the verified-token cache: a hit skips the signature check, a miss verifies the token',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const watched: AuthorizeTokenMiddleware[] = [];
  const cacheGauge = (name: string, help: string, read: (cache: { size: number; maxEntries: number }) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(watched.reduce((sum, middleware) => sum + (middleware.cache ? read(middleware.cache) : 0), 0));
      },
    });
  cacheGauge('m2m_verified_token_cache_entries', 'Verified tokens held in the cache', (cache) => cache.size);
  cacheGauge('m2m_verified_token_cache_max_entries', 'How many verified tokens the cache may hold', (cache) => cache.maxEntries);
  return {
    onEvent(event) {
      if (event.type === 'cache') lookups.inc({ result: event.result });
      else verifications.inc({ outcome: event.type === 'accepted' ? 'accepted' : event.code });
    },
    watchCache(middleware) {
      watched.push(middleware);
    },
  };
}
