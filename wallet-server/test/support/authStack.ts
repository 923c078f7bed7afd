import { startAuthServer, type RunningAuthServer } from '@m2m/auth-server';
import { createStytchClient, type StytchProject } from '@m2m/shared';
import type * as stytch from 'stytch';

/** A real auth-server on an ephemeral port, and helpers that use the real SDK against it. */
export async function startTestAuthServer(options: Parameters<typeof startAuthServer>[0] = {}): Promise<RunningAuthServer> {
  return startAuthServer({ port: 0, databaseFile: ':memory:', ...options });
}

export function projectOf(auth: RunningAuthServer): StytchProject {
  return { projectId: auth.projectId, secret: auth.projectSecret, baseUrl: auth.url };
}

/** A fresh SDK client: its own JWKS cache, as a new process would have. */
export function sdkClient(auth: RunningAuthServer): stytch.Client {
  return createStytchClient(projectOf(auth));
}

export interface M2MCredentials {
  clientId: string;
  clientSecret: string;
}

export async function createM2MClient(admin: stytch.Client, scopes: string[]): Promise<M2MCredentials> {
  const { m2m_client } = await admin.m2m.clients.create({ scopes });
  return { clientId: m2m_client.client_id, clientSecret: m2m_client.client_secret };
}

export async function accessToken(admin: stytch.Client, credentials: M2MCredentials, scopes?: string[]): Promise<string> {
  const response = await admin.m2m.token({
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    ...(scopes && { scopes }),
  });
  return response.access_token;
}

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
