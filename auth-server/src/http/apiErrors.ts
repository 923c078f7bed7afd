/**
 * The two error shapes the auth-server answers with (docs/stytch-api-mapping.md):
 * Stytch's `{ status_code, request_id, error_type, error_message, error_url }` for every endpoint,
 * and OAuth 2.0's `{ status_code, request_id, error, error_description, error_uri }` for the token endpoint.
 * Handlers throw these; `stytchErrorHandler` turns them into JSON.
 */
export class StytchApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'StytchApiError';
  }
}

/** RFC 6749 §5.2 error codes (plus 429 and 5xx, which RFC 6749 leaves to HTTP). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'too_many_requests'
  | 'server_error';

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: OAuthErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'OAuthError';
  }
}

export function errorUrl(status: number): string {
  return `https://stytch.com/docs/api/errors/${status}`;
}
