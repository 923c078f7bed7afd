import { Router } from 'express';
import { HttpError, methodNotAllowed, type Logger } from '@m2m/shared';

export const JWKS_PATH = '/.well-known/jwks.json';

export interface JwksProxyDeps {
  /** The project's JWKS (signingKeys.ts jwksUrl). */
  upstreamUrl: string;
  logger: Logger;
  /** Re-read this often (default 60 s, the wallet's own JWKS_MAX_AGE_SECONDS default): a new signing key shows within it. */
  maxAgeMs?: number;
  /** While the upstream fails, the last keys serve this much longer (default 300 s); then 503. */
  staleMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

interface Jwks {
  keys: unknown[];
}

/**
 * The project's public keys at the wallet's URL, cached: a customer's verifier needs only the
 * wallet's domain, and N verifiers cost the project one read a minute. Only `keys` is passed on
 * (not Stytch's request_id / status_code). Public keys only, as upstream: nothing secret is cached.
 */
export function jwksProxy({
  upstreamUrl,
  logger,
  maxAgeMs = 60_000,
  staleMs = 300_000,
  timeoutMs = 5_000,
  now = Date.now,
}: JwksProxyDeps): Router {
  let cached: { jwks: Jwks; fetchedAt: number } | undefined;
  let refreshing: Promise<Jwks> | undefined;

  const fetchKeys = async (): Promise<Jwks> => {
    const response = await fetch(upstreamUrl, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    if (!response.ok) throw new Error(`the project JWKS answered ${response.status}`);
    const body = (await response.json()) as { keys?: unknown };
    if (!Array.isArray(body.keys)) throw new Error('the project JWKS has no keys array');
    return { keys: body.keys };
  };

  const current = async (): Promise<Jwks> => {
    if (cached && now() - cached.fetchedAt < maxAgeMs) return cached.jwks;
    // Single-flight: one upstream read however many verifiers ask at once.
    refreshing ??= fetchKeys()
      .then((jwks) => {
        cached = { jwks, fetchedAt: now() };
        return jwks;
      })
      .finally(() => {
        refreshing = undefined;
      });
    try {
      return await refreshing;
    } catch (err) {
      if (cached && now() - cached.fetchedAt < maxAgeMs + staleMs) {
        logger.warn({ err: { message: (err as Error).message } }, 'project JWKS unreachable; serving the cached keys');
        return cached.jwks;
      }
      throw new HttpError(503, 'temporarily_unavailable', 'The signing keys are unavailable; try again shortly', { 'Retry-After': '5' });
    }
  };

  const router = Router();
  router
    .route(JWKS_PATH)
    .get(async (_req, res) => {
      const jwks = await current();
      res.setHeader('Cache-Control', `public, max-age=${Math.floor(maxAgeMs / 1000)}`);
      res.json(jwks);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}
