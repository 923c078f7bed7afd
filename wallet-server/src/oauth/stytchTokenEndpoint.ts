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
 * Forwards one token request. JSON, as Stytch's SDKs send it; the caller's address goes along as
 * X-Forwarded-For, so an auth server that trusts the wallet as a proxy counts failures per caller
 * (otherwise every caller of the wallet is one address to it). Throws when there is no HTTP answer
 * (unreachable, timed out) or it is not JSON.
 */
export async function forwardTokenRequest(
  url: string,
  request: TokenRequest,
  { callerIp, timeoutMs }: { callerIp: string | undefined; timeoutMs: number },
): Promise<StytchTokenAnswer> {
  const body = {
    grant_type: 'client_credentials',
    client_id: request.clientId,
    client_secret: request.clientSecret,
    ...(request.scope !== undefined && { scope: request.scope }),
    ...(request.resources.length > 0 && { resource: request.resources.length === 1 ? request.resources[0] : request.resources }),
  };
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(callerIp && { 'X-Forwarded-For': callerIp }) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
  });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('the token endpoint answered JSON that is not an object');
  return { status: response.status, body: parsed as Record<string, unknown>, retryAfter: response.headers.get('Retry-After') ?? undefined };
}
