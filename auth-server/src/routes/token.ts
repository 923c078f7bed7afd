import { Router, type ErrorRequestHandler, type Request } from 'express';
import type { AuditLog } from '../audit/auditLog';
import { AuthServerError } from '../errors';
import { OAuthError } from '../http/apiErrors';
import { bodyReadError, jsonBody, parseBasicAuth, ServiceError, type FailureLimiter } from '@m2m/shared';
import type { ClientAuthenticator } from '../security/clientAuthentication';
import type { ClientStore, M2MClientRecord } from '../store/clientStore';
import type { TokenIssuer } from '../tokens/tokenIssuer';
import type { TokenMetrics } from './tokenMetrics';
import { stytchMethodNotAllowed } from '../http/errorHandler';
import { requestIdOf } from '../http/envelope';

export interface TokenRouteDeps {
  projectId: string;
  clients: ClientStore;
  issuer: TokenIssuer;
  authenticator: ClientAuthenticator;
  /** Failed authentications of a known client, counted per (client_id, IP). */
  clientFailures: FailureLimiter;
  /** Failed authentications with unknown client ids, counted per IP. */
  unknownIdFailures: FailureLimiter;
  /** Counts tokens issued and requests refused. */
  metrics: TokenMetrics;
  /** Every token issued or refused is recorded (client_id, scopes, reason; never a secret or a token). */
  audit: AuditLog;
}

/** The parameters RFC 6749 §4.4 and RFC 8707 define; anything else is a `request.*` variable for custom claims. */
const OAUTH_PARAMS = new Set(['grant_type', 'client_id', 'client_secret', 'scope', 'scopes', 'resource']);
const MAX_EXTRA_PARAMS = 20;
/** RFC 8707 resource indicators a token may be bound to: a handful in practice (the aud claim grows with each). */
const MAX_RESOURCES = 10;
const MAX_RESOURCE_LENGTH = 2048;

const TOKEN_PATH = '/v1/public/:project_id/oauth2/token';

/** Same answer for an unknown client, a wrong secret and an inactive client: ids can't be probed. */
const BAD_CLIENT = 'Client authentication failed: unknown client, wrong secret, or inactive client';

/** `POST /v1/public/{project_id}/oauth2/token`: the OAuth 2.0 client credentials grant. */
export function tokenRoutes({
  projectId,
  clients,
  issuer,
  authenticator,
  clientFailures,
  unknownIdFailures,
  metrics,
  audit,
}: TokenRouteDeps): Router {
  const router = Router();
  // Stytch's token endpoint takes a form (RFC 6749) or JSON (its SDKs send JSON).
  const readBody = jsonBody({ limit: '16kb', form: { parameterLimit: 50 } });

  router
    .route(TOKEN_PATH)
    .post(readBody, async (req, res) => {
      if (req.params.project_id !== projectId) {
        throw new AuthServerError(404, 'project_not_found', `No project with project_id ${req.params.project_id} is served here`);
      }
      const body = bodyOf(req);
      const params = stringParams(body);
      const usedBasic = req.headers.authorization !== undefined;
      const credentials = clientCredentials(req, params);
      // The access line names the client (never its secret): one line per token at info.
      req.log.setBindings({ client_id: credentials.id });
      res.locals.tokenClientId = credentials.id;

      const known = clients.get(credentials.id);
      // Per client AND address: a client_id is no secret (every token's `sub`), so counting it alone
      // would let anyone lock a client out by sending it wrong secrets; a caller elsewhere never
      // spends this budget. Unknown ids share one budget per address (a spray of made-up ids).
      const [failures, failureKey] = known ? [clientFailures, `${known.clientId}|${req.ip}`] : [unknownIdFailures, String(req.ip)];
      // Counted before the (possibly slow, scrypt) check, refunded on success: parallel guesses can't outrun it.
      const wait = failures.tryAttempt(failureKey);
      if (wait > 0) {
        throw new OAuthError(429, 'too_many_requests', `Too many failed client authentications; retry in ${wait} s`, {
          headers: { 'Retry-After': String(wait) },
        });
      }
      const client = await authenticator.authenticate(credentials.id, known, credentials.secret);
      if (!client) {
        req.log.warn('token request with bad client credentials');
        // RFC 6749 §5.2: a client that tried the Authorization header gets a WWW-Authenticate challenge.
        throw new OAuthError(
          401,
          'invalid_client',
          BAD_CLIENT,
          usedBasic ? { headers: { 'WWW-Authenticate': 'Basic realm="oauth2"' } } : {},
        );
      }
      failures.succeeded(failureKey);

      const grantType = params.get('grant_type');
      if (grantType === undefined) throw new OAuthError(400, 'invalid_request', 'grant_type is required: client_credentials');
      if (grantType !== 'client_credentials') {
        throw new OAuthError(
          400,
          'unsupported_grant_type',
          `grant_type ${JSON.stringify(grantType)} is not supported: use client_credentials`,
        );
      }

      const scopes = grantedScopes(client, requestedScopes(body));
      const resources = requestedResources(body);
      // Claims that render beyond 4 KB: ClaimsTooLargeError, OAuth's 400 invalid_request.
      const token = await issuer.issue(client, scopes, extraParams(body), resources);
      req.log.setBindings({ scopes, ...(resources.length ? { resources } : {}) });
      metrics.issued();
      audit.record({ type: 'token.issued', actor: 'client', clientId: client.clientId, scopes, requestId: requestIdOf(req) });
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Pragma', 'no-cache');
      res.status(200).json({
        access_token: token.accessToken,
        token_type: 'bearer',
        expires_in: token.expiresIn,
        request_id: requestIdOf(req),
        status_code: 200,
      });
    })
    .all(stytchMethodNotAllowed(['POST']));
  // Every refusal of the route (the body reader's too) is counted and recorded with the code the
  // caller got on its way to the app's error handler, which answers it.
  const recordRefusal: ErrorRequestHandler = (err: unknown, req, res, next) => {
    if (req.method === 'POST') metrics.refused(err);
    const clientId: unknown = res.locals.tokenClientId;
    audit.record({
      type: 'token.refused',
      actor: 'client',
      clientId: typeof clientId === 'string' ? clientId : null,
      reason: refusalReason(err),
      requestId: requestIdOf(req),
    });
    next(err);
  };
  router.use(TOKEN_PATH, recordRefusal);

  return router;
}

function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OAuthError(400, 'invalid_request', 'The request body must be a form (application/x-www-form-urlencoded) or a JSON object');
  }
  return body as Record<string, unknown>;
}

/** The single-valued string parameters of the body; a repeated or non-string one is a malformed request. */
function stringParams(record: Record<string, unknown>): { get(name: string): string | undefined } {
  return {
    get(name) {
      const value = record[name];
      if (value === undefined) return undefined;
      if (typeof value !== 'string') throw new OAuthError(400, 'invalid_request', `${name} must be a single string`);
      return value;
    },
  };
}

function clientCredentials(req: Request, params: { get(name: string): string | undefined }): { id: string; secret: string } {
  const fromBody = { id: params.get('client_id'), secret: params.get('client_secret') };
  const header = req.headers.authorization;
  if (header !== undefined) {
    // RFC 6749 §2.3: a client must not use more than one authentication method in a request.
    if (fromBody.secret !== undefined) {
      throw new OAuthError(
        400,
        'invalid_request',
        'Send the client credentials either in the Authorization header or in the body, not both',
      );
    }
    const basic = parseBasicAuth(header, { formEncoded: true });
    if (!basic)
      throw new OAuthError(401, 'invalid_client', 'The Authorization header must be Basic base64(client_id:client_secret)', {
        headers: { 'WWW-Authenticate': 'Basic realm="oauth2"' },
      });
    if (fromBody.id !== undefined && fromBody.id !== basic.id) {
      throw new OAuthError(400, 'invalid_request', 'client_id in the body differs from the one in the Authorization header');
    }
    return basic;
  }
  if (!fromBody.id || !fromBody.secret) {
    throw new OAuthError(
      401,
      'invalid_client',
      'Client authentication is required: send client_id and client_secret (body) or Authorization: Basic',
      { headers: { 'WWW-Authenticate': 'Basic realm="oauth2"' } },
    );
  }
  return { id: fromBody.id, secret: fromBody.secret };
}

/** `scope` (space separated, RFC 6749 §3.3) or, in JSON, `scopes: []`; undefined when neither was sent. */
function requestedScopes(body: Record<string, unknown>): string[] | undefined {
  const { scope, scopes } = body;
  if (scope !== undefined && scopes !== undefined) throw new OAuthError(400, 'invalid_request', 'Send scope or scopes, not both');
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (scope !== undefined) throw new OAuthError(400, 'invalid_request', 'scope must be a space-separated string');
  if (scopes === undefined) return undefined;
  if (!Array.isArray(scopes) || !scopes.every((s): s is string => typeof s === 'string')) {
    throw new OAuthError(400, 'invalid_request', 'scopes must be an array of strings');
  }
  return scopes;
}

/**
 * RFC 8707 `resource`: the resource servers the token is for (repeated for several; in JSON a string or
 * an array). Each is an absolute URI without a fragment (§2), else `invalid_target`. Hosted Stytch ignores
 * the parameter; here each one joins the project id in the token's `aud`, so a resource server can refuse
 * tokens meant for another (the MCP authorization spec's audience binding).
 */
function requestedResources(body: Record<string, unknown>): string[] {
  const { resource } = body;
  if (resource === undefined) return [];
  const values = Array.isArray(resource) ? resource : [resource];
  if (values.length > MAX_RESOURCES)
    throw new OAuthError(400, 'invalid_target', `At most ${MAX_RESOURCES} resource parameters are accepted`);
  for (const value of values) {
    if (typeof value !== 'string' || value === '')
      throw new OAuthError(400, 'invalid_target', 'resource must be an absolute URI (a string)');
    if (!isAbsoluteUriWithoutFragment(value)) {
      throw new OAuthError(
        400,
        'invalid_target',
        `resource ${JSON.stringify(value.slice(0, 200))} must be an absolute URI without a fragment, e.g. https://wallet.example.com`,
      );
    }
  }
  return [...new Set(values as string[])];
}

function isAbsoluteUriWithoutFragment(value: string): boolean {
  // URL.canParse also accepts "urn:…": an absolute URI in RFC 3986's sense, as RFC 8707 allows. No spaces or controls.
  return (
    value.length <= MAX_RESOURCE_LENGTH &&
    !value.includes('#') &&
    /^[a-zA-Z][a-zA-Z0-9+.-]*:[\x21-\x7e]+$/.test(value) &&
    URL.canParse(value)
  );
}

/** A token may carry any subset of the client's scopes; none asked for means all of them. */
function grantedScopes(client: M2MClientRecord, requested: string[] | undefined): string[] {
  if (requested === undefined || requested.length === 0) return client.scopes;
  const unknown = requested.filter((s) => !client.scopes.includes(s));
  if (unknown.length) {
    throw new OAuthError(400, 'invalid_scope', `The client is not granted ${unknown.map((s) => JSON.stringify(s)).join(', ')}`);
  }
  return [...new Set(requested)];
}

/** Extra parameters sent to the token endpoint: the `request.*` variables of the custom claims template. */
function extraParams(body: Record<string, unknown>): Record<string, unknown> {
  const extra = Object.entries(body).filter(([name]) => !OAUTH_PARAMS.has(name));
  if (extra.length > MAX_EXTRA_PARAMS)
    throw new OAuthError(400, 'invalid_request', `At most ${MAX_EXTRA_PARAMS} extra parameters are accepted`);
  return Object.fromEntries(extra);
}

/** The code the refused caller got (before the OAuth shape maps it): ours, the body reader's, or server_error. */
function refusalReason(err: unknown): string {
  if (err instanceof ServiceError) return err.code;
  // (instanceof on a generic class gives AuthServerError<any>; every code is a string.)
  if (err instanceof AuthServerError) return (err as AuthServerError).code;
  return bodyReadError(err)?.code ?? 'server_error';
}
