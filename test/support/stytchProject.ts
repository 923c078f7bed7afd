import { createStytchClient, MANAGE_CREDENTIALS_SCOPE, PAYMENT_API_SCOPE, TENANT_CLAIM, type StytchProject } from '@m2m/shared';
import type * as stytch from 'stytch';

/** A Stytch project and its M2M clients through the real SDK, for the tests and the bench (no server code loaded). */

/** What these helpers need of an auth-server: its project's credentials and URL. */
export interface AuthProject {
  projectId: string;
  projectSecret: string;
  url: string;
}

/** The project as a server sees it; `baseUrl` when it reaches the auth-server through a proxy. */
export function projectOf(auth: AuthProject, baseUrl: string = auth.url): StytchProject {
  return { projectId: auth.projectId, secret: auth.projectSecret, baseUrl };
}

/** A fresh SDK client with the project's credentials (its own JWKS cache, like a new process). */
export function sdk(auth: AuthProject): stytch.Client {
  return createStytchClient(projectOf(auth));
}

export interface M2MCredentials {
  clientId: string;
  clientSecret: string;
}

export async function createM2MClient(
  admin: stytch.Client,
  scopes: string[],
  name = 'suite-client',
  trustedMetadata?: Record<string, unknown>,
): Promise<M2MCredentials> {
  const { m2m_client } = await admin.m2m.clients.create({
    scopes,
    client_name: name,
    ...(trustedMetadata && { trusted_metadata: trustedMetadata }),
  });
  return { clientId: m2m_client.client_id, clientSecret: m2m_client.client_secret };
}

export async function accessToken(admin: stytch.Client, credentials: M2MCredentials, scopes?: string[]): Promise<string> {
  const { access_token } = await admin.m2m.token({
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    ...(scopes && { scopes }),
  });
  return access_token;
}

/** A tenant owner of the wallet platform: an M2M client of `tenantId` that may manage its tenant's clients. */
export function createTenantOwner(admin: stytch.Client, tenantId: string, scopes: string[] = []): Promise<M2MCredentials> {
  return createM2MClient(admin, [MANAGE_CREDENTIALS_SCOPE, ...scopes], `${tenantId}-owner`, { [TENANT_CLAIM]: tenantId });
}

/** POST /oauth2/token at the wallet (client_secret_basic, a form body), answered as fetch gives it. */
function requestWalletToken(walletUrl: string, credentials: M2MCredentials, scope?: string): Promise<Response> {
  return fetch(new URL('oauth2/token', walletUrl), {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope && { scope }) }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
}

/** A token from the wallet's own token endpoint; throws unless it answers 200. */
export async function walletToken(walletUrl: string, credentials: M2MCredentials, scope?: string): Promise<string> {
  const res = await requestWalletToken(walletUrl, credentials, scope);
  const body = (await res.json()) as { access_token?: string; error?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`the wallet's token endpoint answered ${res.status} ${body.error ?? ''}`);
  return body.access_token;
}

/** What the wallet's token endpoint answers these credentials: 200 while they work, 401 once refused. */
export async function walletTokenStatus(walletUrl: string, credentials: M2MCredentials): Promise<number> {
  const res = await requestWalletToken(walletUrl, credentials);
  await res.body?.cancel();
  return res.status;
}

/**
 * A token bound to resource servers by RFC 8707 `resource` (what MCP clients send; the local auth-server
 * adds them to `aud`). Straight to the token endpoint: the Stytch SDK's m2m.token has no such parameter.
 */
export async function resourceToken(
  auth: AuthProject,
  credentials: M2MCredentials,
  resources: string[],
  scopes?: string[],
): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
  });
  for (const resource of resources) body.append('resource', resource);
  if (scopes) body.set('scope', scopes.join(' '));
  const res = await fetch(new URL(`v1/public/${auth.projectId}/oauth2/token`, auth.url), { method: 'POST', body });
  if (!res.ok) throw new Error(`token endpoint answered ${String(res.status)}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A caller of the payment API made the Stytch way (a write:payments client of the project), and its token. */
export async function paymentCallerToken(admin: stytch.Client, name = 'checkout-service'): Promise<string> {
  return accessToken(admin, await createM2MClient(admin, [PAYMENT_API_SCOPE], name));
}

/** The decoded parts of a compact JWS, without verifying it. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header = '', payload = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>,
  };
}

/** The M2M claims of a token, without verifying it (tests read exp, iat, sub and scope). */
export function claimsOf(token: string): { sub: string; scope: string; exp: number; iat: number } {
  return decodeJwt(token).payload as { sub: string; scope: string; exp: number; iat: number };
}
