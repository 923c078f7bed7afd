import type { Request } from 'express';
import { parseBasicAuth } from '@m2m/shared';
import { OAuthError } from './oauthError';

/** A client-credentials token request (RFC 6749 §4.4), read and checked before anything is forwarded. */
export interface TokenRequest {
  clientId: string;
  clientSecret: string;
  /** Whether the client authenticated with the Authorization header (client_secret_basic). */
  usedBasic: boolean;
  /** Space-separated (RFC 6749 §3.3); undefined: all of the client's scopes. */
  scope: string | undefined;
  /** RFC 8707 resource indicators: absolute URIs without a fragment. */
  resources: string[];
}

const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="oauth2"' };

/**
 * Reads a token request from a form or JSON body. Only the parameters RFC 6749 and RFC 8707 define
 * are kept: anything else is not forwarded, so a caller can't feed the project's custom claims
 * template (`request.*` variables) through the wallet's endpoint.
 */
export function readTokenRequest(req: Request): TokenRequest {
  const body: unknown = req.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OAuthError(400, 'invalid_request', 'The request body must be a form (application/x-www-form-urlencoded) or a JSON object');
  }
  const params = body as Record<string, unknown>;
  const grantType = single(params, 'grant_type');
  if (grantType === undefined) throw new OAuthError(400, 'invalid_request', 'grant_type is required: client_credentials');
  if (grantType !== 'client_credentials') {
    throw new OAuthError(400, 'unsupported_grant_type', `grant_type ${JSON.stringify(grantType)} is not supported: use client_credentials`);
  }
  return { ...credentialsOf(req, params), scope: scopeOf(params), resources: resourcesOf(params) };
}

function single(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new OAuthError(400, 'invalid_request', `${name} must be given once, as a string`);
  return value;
}

/** client_secret_basic or client_secret_post, never both (RFC 6749 §2.3). */
function credentialsOf(req: Request, params: Record<string, unknown>): Pick<TokenRequest, 'clientId' | 'clientSecret' | 'usedBasic'> {
  const id = single(params, 'client_id');
  const secret = single(params, 'client_secret');
  const header = req.headers.authorization;
  if (header !== undefined) {
    if (secret !== undefined) {
      throw new OAuthError(
        400,
        'invalid_request',
        'Send the client credentials either in the Authorization header or in the body, not both',
      );
    }
    const basic = parseBasicAuth(header, { formEncoded: true });
    if (!basic || !basic.id || !basic.secret) {
      throw new OAuthError(
        401,
        'invalid_client',
        'The Authorization header must be Basic base64(client_id:client_secret)',
        BASIC_CHALLENGE,
      );
    }
    if (id !== undefined && id !== basic.id) {
      throw new OAuthError(400, 'invalid_request', 'client_id in the body differs from the one in the Authorization header');
    }
    return { clientId: basic.id, clientSecret: basic.secret, usedBasic: true };
  }
  if (!id || !secret) {
    throw new OAuthError(
      401,
      'invalid_client',
      'Client authentication is required: Authorization: Basic, or client_id and client_secret in the body',
      BASIC_CHALLENGE,
    );
  }
  return { clientId: id, clientSecret: secret, usedBasic: false };
}

function scopeOf(params: Record<string, unknown>): string | undefined {
  const scope = single(params, 'scope');
  if (scope === undefined) return undefined;
  // RFC 6749 §3.3: scope tokens are printable ASCII without space, quote or backslash.
  const scopes = scope.split(' ').filter(Boolean);
  if (scopes.some((s) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
    throw new OAuthError(400, 'invalid_scope', 'scope must be space-separated scope names (printable ASCII, no quotes or backslashes)');
  }
  return scopes.length ? scopes.join(' ') : undefined;
}

/** `resource` once or repeated (a form's repeated field, or a JSON array). */
function resourcesOf(params: Record<string, unknown>): string[] {
  const value = params.resource;
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  if (values.length > 10) throw new OAuthError(400, 'invalid_target', 'At most 10 resource indicators are accepted');
  return values.map((resource) => {
    if (typeof resource !== 'string' || !isResourceUri(resource)) {
      throw new OAuthError(400, 'invalid_target', 'resource must be an absolute URI without a fragment (RFC 8707)');
    }
    return resource;
  });
}

function isResourceUri(value: string): boolean {
  try {
    return new URL(value).hash === '' && !value.includes('#');
  } catch {
    return false;
  }
}
