import type { M2MCredentials } from '../../test/support/stytchProject';

/** The form body of a token request, as autocannon posts it again and again. */
export function tokenRequestBody(client: M2MCredentials, scope: string): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: client.clientId,
    client_secret: client.clientSecret,
    scope,
  }).toString();
}
