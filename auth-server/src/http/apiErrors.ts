import { AuthServerError } from '../errors';

/**
 * The two error shapes the auth-server answers with (docs/stytch-api-mapping.md):
 * Stytch's `{ status_code, request_id, error_type, error_message, error_url }` for every endpoint,
 * and OAuth 2.0's `{ status_code, request_id, error, error_description, error_uri }` for the token endpoint.
 */

/** RFC 6749 §5.2 error codes, RFC 8707's invalid_target (plus 429 and 5xx, which RFC 6749 leaves to HTTP). */
const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'unsupported_response_type',
  'invalid_scope',
  'invalid_target',
  'too_many_requests',
  'server_error',
] as const;

export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

/** An error of the token endpoint, whose code must be one of RFC 6749's. */
export class OAuthError extends AuthServerError<OAuthErrorCode> {}

/** What the client reads instead of the message of an error that is not exposed (a 500: our bug). */
export const INTERNAL_MESSAGE = 'Something went wrong on our side; the request_id helps find it in the logs';

export interface StytchErrorBody {
  status_code: number;
  request_id: string;
  error_type: string;
  error_message: string;
  error_url: string;
  retry_after_seconds?: number;
}

export interface OAuthErrorBody {
  status_code: number;
  request_id: string;
  error: OAuthErrorCode;
  error_description: string;
  error_uri: string;
  retry_after_seconds?: number;
}

export function stytchErrorBody(error: AuthServerError, requestId: string): StytchErrorBody {
  return {
    status_code: error.status,
    request_id: requestId,
    error_type: error.code,
    error_message: clientMessage(error),
    error_url: `https://stytch.com/docs/api/errors/${error.status}`,
    ...retryAfter(error),
  };
}

/** A code that is not one of RFC 6749's (a body the shared reader refused...) becomes invalid_request, or server_error. */
export function oauthErrorBody(error: AuthServerError, requestId: string): OAuthErrorBody {
  return {
    status_code: error.status,
    request_id: requestId,
    error: isOAuthErrorCode(error.code) ? error.code : error.status >= 500 ? 'server_error' : 'invalid_request',
    error_description: clientMessage(error),
    error_uri: 'https://datatracker.ietf.org/doc/html/rfc6749#section-5.2',
    ...retryAfter(error),
  };
}

function isOAuthErrorCode(code: string): code is OAuthErrorCode {
  return (OAUTH_ERROR_CODES as readonly string[]).includes(code);
}

function clientMessage(error: AuthServerError): string {
  return error.expose ? error.message : INTERNAL_MESSAGE;
}

/** Retry-After repeated in the body: the Stytch SDK drops headers but keeps the body in its error. */
function retryAfter(error: AuthServerError): { retry_after_seconds?: number } {
  const seconds = error.headers['Retry-After'];
  return seconds === undefined ? {} : { retry_after_seconds: Number(seconds) };
}
