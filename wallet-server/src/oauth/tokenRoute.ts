import { Router } from 'express';
import { FailureLimiter, jsonBody, methodNotAllowed, TOKEN_FAILURE_LIMITS, type TokenFailureLimits } from '@m2m/shared';
import { OAuthError, oauthErrorHandler, type OAuthErrorCode } from './oauthError';
import { forwardTokenRequest, type StytchTokenAnswer } from './stytchTokenEndpoint';
import { readTokenRequest, type TokenRequest } from './tokenRequest';

export const TOKEN_PATH = '/oauth2/token';

export interface TokenRouteDeps {
  /** The project's token endpoint (stytchTokenUrl). */
  upstreamUrl: string;
  /** Never shown to a caller: scrubbed from any message the upstream sends. */
  projectId: string;
  /** The auth-server's budgets by default: the same rules at the wallet's door. */
  failureLimits?: TokenFailureLimits;
  upstreamTimeoutMs?: number;
  now?: () => number;
}

/** The codes an upstream refusal keeps; anything else it says is passed on as invalid_request. */
const CLIENT_ERRORS = new Set<OAuthErrorCode>([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
]);

/**
 * `POST /oauth2/token` at the wallet's URL: the project's Stytch token endpoint behind the wallet's
 * domain. Answers are plain RFC 6749 (no status_code / request_id envelope, Cache-Control:
 * no-store), never name the project, and failed client authentications are budgeted before they
 * reach Stytch: per (client_id, IP) and per IP, counted before the call and refunded on success.
 * The wallet cannot tell an unknown client_id from a wrong secret (Stytch answers invalid_client
 * to both), so the per-IP budget counts every failure, where the auth-server counts unknown ids only.
 */
export function tokenRoute({
  upstreamUrl,
  projectId,
  failureLimits = TOKEN_FAILURE_LIMITS,
  upstreamTimeoutMs = 10_000,
  now = Date.now,
}: TokenRouteDeps): Router {
  const perClient = new FailureLimiter(failureLimits.perClientPerMinute, 60_000, now);
  const perIp = new FailureLimiter(failureLimits.perIpPerMinute, 60_000, now);
  const router = Router();
  const readBody = jsonBody({ limit: '16kb', form: { parameterLimit: 50 } });

  router
    .route(TOKEN_PATH)
    .post(readBody, async (req, res) => {
      const request = readTokenRequest(req);
      req.log.setBindings({ client_id: request.clientId });
      const keys = { client: `${request.clientId}|${String(req.ip)}`, ip: String(req.ip) };
      const wait = Math.max(perClient.retryAfterSeconds(keys.client), perIp.retryAfterSeconds(keys.ip));
      if (wait > 0) {
        throw new OAuthError(429, 'too_many_requests', `Too many failed client authentications; retry in ${wait} s`, {
          'Retry-After': String(wait),
        });
      }
      perClient.recordFailure(keys.client);
      perIp.recordFailure(keys.ip);
      let answer: StytchTokenAnswer;
      try {
        answer = await forwardTokenRequest(upstreamUrl, request, { callerIp: req.ip, timeoutMs: upstreamTimeoutMs });
      } catch (err) {
        refund();
        req.log.warn({ err: { message: (err as Error).message } }, 'the project token endpoint did not answer');
        throw new OAuthError(503, 'temporarily_unavailable', 'The authorization server is unavailable; try again shortly', {
          'Retry-After': '5',
        });
      }
      if (answer.status !== 401) refund();
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Pragma', 'no-cache');
      res.json(tokenAnswer(answer, request, projectId));

      function refund(): void {
        perClient.succeeded(keys.client);
        perIp.succeeded(keys.ip);
      }
    })
    .all(methodNotAllowed(['POST'], 'Use POST with a form or JSON body: grant_type=client_credentials and the client credentials'));

  router.use(TOKEN_PATH, oauthErrorHandler());
  return router;
}

/** RFC 6749 §5.1 from Stytch's success answer; anything else becomes the matching OAuthError. */
function tokenAnswer(answer: StytchTokenAnswer, request: TokenRequest, projectId: string) {
  const { access_token: accessToken, expires_in: expiresIn, token_type: tokenType } = answer.body;
  if (answer.status === 200 && typeof accessToken === 'string' && typeof expiresIn === 'number') {
    // §5.1: `scope` is required when it differs from the request's, as when none was asked for.
    const scope = scopeClaim(accessToken);
    return {
      access_token: accessToken,
      token_type: typeof tokenType === 'string' ? tokenType : 'bearer',
      expires_in: expiresIn,
      ...(scope !== undefined && { scope }),
    };
  }
  throw refusal(answer, request, projectId);
}

function refusal(answer: StytchTokenAnswer, request: TokenRequest, projectId: string): OAuthError {
  const { status, body } = answer;
  if (status === 429) {
    return new OAuthError(429, 'too_many_requests', 'Too many token requests; retry later', { 'Retry-After': answer.retryAfter ?? '5' });
  }
  if (status >= 500 || status < 400) {
    return new OAuthError(503, 'temporarily_unavailable', 'The authorization server is unavailable; try again shortly', {
      'Retry-After': '5',
    });
  }
  // Stytch's OAuth errors carry `error` (the SDK reads them into error_type); its other errors `error_type`.
  const named = typeof body.error === 'string' ? body.error : body.error_type;
  const code = CLIENT_ERRORS.has(named as OAuthErrorCode)
    ? (named as OAuthErrorCode)
    : status === 401
      ? 'invalid_client'
      : 'invalid_request';
  const upstreamMessage = typeof body.error_description === 'string' ? body.error_description : body.error_message;
  const description =
    code === 'invalid_client'
      ? 'Client authentication failed: unknown client, wrong secret, or inactive client'
      : typeof upstreamMessage === 'string' && upstreamMessage
        ? upstreamMessage.replaceAll(projectId, 'the project')
        : 'The token request was refused';
  // RFC 6749 §5.2: a client that tried the Authorization header gets a challenge with the 401.
  const headers: Record<string, string> =
    code === 'invalid_client' && request.usedBasic ? { 'WWW-Authenticate': 'Basic realm="oauth2"' } : {};
  return new OAuthError(code === 'invalid_client' ? 401 : 400, code, description, headers);
}

/** The token's `scope` claim, read without verifying (it comes straight from the authorization server). */
function scopeClaim(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scope?: unknown };
    return typeof payload.scope === 'string' ? payload.scope : undefined;
  } catch {
    return undefined;
  }
}
