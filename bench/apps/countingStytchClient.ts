import type * as stytch from 'stytch';

/**
 * Wraps a Stytch client so that every m2m.authenticateToken call (a verification the
 * verified-token cache did not spare) is counted. The client itself is unchanged otherwise.
 */
export function countVerifications(client: stytch.Client): { client: stytch.Client; verifications(): number } {
  let count = 0;
  const original = client.m2m.authenticateToken.bind(client.m2m);
  client.m2m.authenticateToken = (...args: Parameters<typeof original>) => {
    count++;
    return original(...args);
  };
  return { client, verifications: () => count };
}
