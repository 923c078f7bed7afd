import type * as stytch from 'stytch';

/** Wraps a client's authenticateToken to count the verifications the middleware asks the SDK for. */
export function countVerifications(client: stytch.Client): () => number {
  const original = client.m2m.authenticateToken.bind(client.m2m);
  let calls = 0;
  client.m2m.authenticateToken = (...args: Parameters<typeof original>) => {
    calls += 1;
    return original(...args);
  };
  return () => calls;
}
