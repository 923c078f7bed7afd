import NodeCache from 'node-cache';
import type * as stytch from 'stytch';

/**
 * The baseline token cache: the tutorial's getM2MAccessToken (node-cache get → on a miss fetch →
 * set with the token's full lifetime). No single-flight, no refresh margin. Keyed by scope set,
 * which is kinder to it than the tutorial's single 'accessToken' key.
 */
export function tutorialTokenCache(client: stytch.Client, clientId: string, clientSecret: string) {
  const myCache = new NodeCache();
  return async function getM2MAccessToken(scopes: string[]): Promise<string> {
    const key = `accessToken:${scopes.join(' ')}`;
    const accessTokenInfo = myCache.get<string>(key);
    if (accessTokenInfo) return accessTokenInfo;
    const response = await client.m2m.token({ client_id: clientId, client_secret: clientSecret, scopes });
    myCache.set(key, response.access_token, response.expires_in);
    return response.access_token;
  };
}
