import type { StytchProject } from '@m2m/shared';
import type { TokenRequest } from './tokenRequest';

/** What the project's token endpoint answered: its status, JSON body (an object, or {} when it sent none) and Retry-After. */
export interface StytchTokenAnswer {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | undefined;
}

/** The project's token endpoint (hosted Stytch or the local auth-server: the same STYTCH_ENV as the rest of the wallet). */
export function stytchTokenUrl(project: StytchProject): string {
  return new URL(`v1/public/${encodeURIComponent(project.projectId)}/oauth2/token`, project.baseUrl).toString();
}

/**
 * Forwards one token request, as a form: what Stytch's own SDK sends (RFC 6749's encoding; `resource`
 * repeated for several, RFC 8707). The caller's address goes along as X-Forwarded-For, so an auth
 * server that trusts the wallet as a proxy counts failures per caller (otherwise every caller of the
 * wallet is one address to it). Throws when there is no HTTP answer (unreachable, timed out) or it
 * is not JSON.
 */
export async function forwardTokenRequest(
  url: string,
  request: TokenRequest,
  { callerIp, timeoutMs }: { callerIp: string | undefined; timeoutMs: number },
): Promise<StytchTokenAnswer> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: request.clientId, client_secret: request.clientSecret });
  if (request.scope !== undefined) form.set('scope', request.scope);
  for (const resource of request.resources) form.append('resource', resource);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      ...(callerIp && { 'X-Forwarded-For': callerIp }),
    },
    body: form.toString(),
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
  });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('the token endpoint answered JSON that is not an object');
  return { status: response.status, body: parsed as Record<string, unknown>, retryAfter: response.headers.get('Retry-After') ?? undefined };
}
