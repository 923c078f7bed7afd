import { createStytchClient, PAYMENT_API_SCOPE, type StytchProject } from '@m2m/shared';
import type { AuthInfo } from '../servers/kinds/authKind';

export interface M2MClientCredentials {
  clientId: string;
  clientSecret: string;
}

export function projectOf(auth: AuthInfo, baseUrl: string = auth.url): StytchProject {
  return { projectId: auth.projectId, secret: auth.projectSecret, baseUrl };
}

/** Creates an M2M client (by default the payment-service one) through the real SDK, as a user would. */
export async function createM2MClient(
  auth: AuthInfo,
  scopes: string[] = ['read:users', 'write:wallets'],
  name = 'bench payment-service',
): Promise<M2MClientCredentials> {
  const sdk = createStytchClient(projectOf(auth));
  const { m2m_client } = await sdk.m2m.clients.create({ scopes, client_name: name });
  return { clientId: m2m_client.client_id, clientSecret: m2m_client.client_secret };
}

/** A token fetched through the real SDK. */
export async function fetchToken(auth: AuthInfo, client: M2MClientCredentials, scopes: string[]): Promise<string> {
  const sdk = createStytchClient(projectOf(auth));
  const { access_token } = await sdk.m2m.token({ client_id: client.clientId, client_secret: client.clientSecret, scopes });
  return access_token;
}

/** A caller of the payment API (a write:payments client) and its token: what every payment sends. */
export async function paymentCallerToken(auth: AuthInfo): Promise<string> {
  return fetchToken(auth, await createM2MClient(auth, [PAYMENT_API_SCOPE], 'bench checkout-service'), [PAYMENT_API_SCOPE]);
}

export function tokenRequestBody(client: M2MClientCredentials, scope: string): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: client.clientId,
    client_secret: client.clientSecret,
    scope,
  }).toString();
}
