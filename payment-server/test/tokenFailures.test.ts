import { RequestError, StytchError } from 'stytch';
import { TimeoutError } from '../src/m2m/backoff';
import { classifyTokenFailure, TokenUnavailableError, type TokenFailure } from '../src/m2m/tokenErrors';

/**
 * What the token provider retries and what it does not, decided from the errors the real SDK throws:
 * StytchError for an answer >= 400 (built here from the bodies the token endpoint sends), RequestError
 * when the server can't be reached or does not answer JSON, and our TimeoutError.
 */
const SECRET = 'the-client-secret-0123456789';

/** The SDK's error for an OAuth error answer of the token endpoint (RFC 6749 §5.2 fields). */
const oauthAnswer = (status_code: number, error: string, extra: Record<string, unknown> = {}) =>
  new StytchError({
    status_code,
    request_id: 'request-id-test-1',
    error,
    error_description: `${error} said the server`,
    error_uri: '',
    ...extra,
  });

/** The SDK's error for Stytch's own error shape. */
const stytchAnswer = (status_code: number, error_type: string) =>
  new StytchError({
    status_code,
    request_id: 'request-id-test-2',
    error_type,
    error_message: `${error_type} said Stytch`,
    error_url: '',
    error_details: undefined,
  });

/** RequestError as the SDK throws it: with the request it failed on, whose form body holds the secret. */
const requestFailure = (message: string) =>
  new RequestError(message, { method: 'POST', url: '/v1/public/p/oauth2/token', dataRaw: new URLSearchParams({ client_secret: SECRET }) });

const shapeOf = ({ reason, retryable }: TokenFailure) => ({ reason, retryable });

describe('classifyTokenFailure', () => {
  it.each([
    ['invalid_client (a wrong secret)', oauthAnswer(401, 'invalid_client'), 'invalid_client', false],
    ['any 401', stytchAnswer(401, 'unauthorized_credentials'), 'invalid_client', false],
    ['invalid_client with another status', oauthAnswer(400, 'invalid_client'), 'invalid_client', false],
    ['invalid_scope (a scope the client lacks)', oauthAnswer(400, 'invalid_scope'), 'invalid_scope', false],
    ['another 4xx', oauthAnswer(400, 'invalid_request'), 'rejected', false],
    ['403', stytchAnswer(403, 'forbidden'), 'rejected', false],
    ['a 500', stytchAnswer(500, 'internal_server_error'), 'auth_server_error', true],
    ['a 503', stytchAnswer(503, 'unavailable'), 'auth_server_error', true],
    ['a 429', oauthAnswer(429, 'too_many_requests'), 'auth_server_rate_limited', true],
    ['an unreachable server', requestFailure('fetch failed'), 'auth_server_unreachable', true],
    [
      'an answer that is not JSON',
      requestFailure('Unable to parse JSON response from server: Unexpected token <'),
      'auth_server_error',
      true,
    ],
    ['our deadline', new TimeoutError(5_000), 'auth_server_timeout', true],
    ['anything else (our own bug)', new Error('the token response has no access_token or expires_in'), 'auth_server_error', false],
    ['something thrown that is not an Error', 'a string', 'auth_server_error', false],
  ])('%s', (_what, thrown, reason, retryable) => {
    expect(shapeOf(classifyTokenFailure(thrown))).toEqual({ reason, retryable });
  });

  it('describes an answer by status, type and message, and keeps no response body', () => {
    const failure = classifyTokenFailure(oauthAnswer(401, 'invalid_client'));
    expect(failure.detail).toBe('401 invalid_client: invalid_client said the server');
    expect(failure.cause).toMatchObject({
      message: failure.detail,
      status_code: 401,
      error_type: 'invalid_client',
      request_id: 'request-id-test-1',
    });
  });

  it("never passes on the failed request, whose form body holds the client's secret", () => {
    const failure = classifyTokenFailure(requestFailure('fetch failed'));
    expect(failure.detail).toBe('fetch failed');
    expect(failure.cause).not.toHaveProperty('request');
    expect(failure.cause.cause).toBeUndefined();
    expect(`${failure.detail} ${failure.cause.message} ${JSON.stringify(failure.cause)}`).not.toContain(SECRET);
  });

  it('names our deadline in the detail', () => {
    expect(classifyTokenFailure(new TimeoutError(200)).detail).toBe('the auth server did not answer within 200 ms');
  });

  describe("a 429's wait (the SDK drops headers; the local auth-server repeats Retry-After in the body)", () => {
    it.each([
      ['the seconds the body says', { retry_after_seconds: 42 }, 42],
      ['at most an hour', { retry_after_seconds: 86_400 }, 3_600],
      ['nothing when the body says nothing', {}, undefined],
      ['nothing for zero', { retry_after_seconds: 0 }, undefined],
      ['nothing for a negative number', { retry_after_seconds: -5 }, undefined],
      ['nothing for a string', { retry_after_seconds: '42' }, undefined],
    ])('%s', (_what, body, expected) => {
      expect(classifyTokenFailure(oauthAnswer(429, 'too_many_requests', body)).retryAfterSeconds).toBe(expected);
    });
  });
});

describe('TokenUnavailableError', () => {
  const failure = classifyTokenFailure(new TimeoutError(5_000));

  it("has the shape of the services' errors: a code, and a reason", () => {
    const err = new TokenUnavailableError(failure, { attempts: 4, clientId: 'm2m-client-test-1', scopes: ['read:users'] });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      name: 'TokenUnavailableError',
      code: 'm2m_token_unavailable',
      reason: 'auth_server_timeout',
      retryable: true,
      attempts: 4,
      clientId: 'm2m-client-test-1',
      scopes: ['read:users'],
      retryAfterSeconds: undefined,
      cause: failure.cause,
    });
    expect(err.message).toBe(
      'No M2M access token for m2m-client-test-1 with scope read:users after 4 attempt(s): the auth server did not answer within 5000 ms',
    );
  });

  it("says so when no scope was asked for (all of the client's)", () => {
    const err = new TokenUnavailableError(failure, { attempts: 1, clientId: 'm2m-client-test-1', scopes: [] });
    expect(err.message).toContain("with scope (all of the client's scopes) after 1 attempt(s)");
  });

  it("takes the provider's wait over the auth server's for retryAfterSeconds", () => {
    const limited = classifyTokenFailure(oauthAnswer(429, 'too_many_requests', { retry_after_seconds: 30 }));
    const context = { attempts: 1, clientId: 'm2m-client-test-1', scopes: ['read:users'] };
    expect(new TokenUnavailableError(limited, context).retryAfterSeconds).toBe(30);
    expect(new TokenUnavailableError(limited, { ...context, retryAfterSeconds: 12 }).retryAfterSeconds).toBe(12);
  });
});
