import type * as stytch from 'stytch';
import { withTimeout } from '@m2m/shared';

/** Answers "could a token be verified right now?": the project's signing keys are cached, or can be fetched. */
export type SigningKeysProbe = () => Promise<boolean>;

/** jose's remote key set, as the SDK keeps it (not part of the SDK's typed API, hence the guarded access). */
interface RemoteKeySet {
  fresh?: boolean;
  reload?: () => Promise<void>;
}

/**
 * Uses the SDK's own key set when it can reach it: fresh keys mean ready, and a reload both checks
 * the authorization server and warms the cache the next verification uses. Otherwise it fetches
 * the JWKS URL itself.
 */
export function signingKeysProbe(client: stytch.Client, jwksUrl: string, timeoutMs = 2_000): SigningKeysProbe {
  const keySet = (client.m2m as unknown as { jwksClient?: RemoteKeySet }).jwksClient;
  return async () => {
    try {
      if (keySet && typeof keySet.reload === 'function') {
        if (keySet.fresh === true) return true;
        await withTimeout(keySet.reload(), timeoutMs, 'the JWKS');
        return true;
      }
      const response = await fetch(jwksUrl, { signal: AbortSignal.timeout(timeoutMs) });
      return response.ok;
    } catch {
      return false;
    }
  };
}

export function jwksUrl(baseUrl: string, projectId: string): string {
  return new URL(`v1/sessions/jwks/${encodeURIComponent(projectId)}`, baseUrl).toString();
}
