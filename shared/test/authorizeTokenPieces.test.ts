/**
 * The pure pieces of authorizeToken, one at a time: bearer extraction, the scope check, the
 * classification of verification failures, and option validation at construction. The middleware
 * as a whole (real auth-server, real SDK) is tested in wallet-server/test.
 */
import type { Request } from 'express';
import { errors } from 'jose';
import * as stytch from 'stytch';
import {
  AuthorizationError,
  authorizeToken,
  classifyVerificationError,
  extractBearerToken,
  hasScopes,
  type AuthorizeTokenOptions,
} from '../src/middleware/authorizeToken';

/** The parts of a request extraction reads: its header, URL, parsed query and body, and its media type. */
function requestWith({
  authorization,
  url = '/read',
  query = {},
  body,
  type,
}: { authorization?: string; url?: string; query?: Record<string, unknown>; body?: unknown; type?: string } = {}): Request {
  const headers = authorization === undefined ? {} : { authorization };
  const is = (wanted: string) => (wanted === type ? wanted : false);
  return { headers, url, query, body, is } as unknown as Request;
}

function refusal(run: () => unknown): AuthorizationError {
  try {
    run();
  } catch (err) {
    if (err instanceof AuthorizationError) return err;
    throw err;
  }
  throw new Error('expected an AuthorizationError');
}

describe('extractBearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER   abc.def.ghi', 'abc.def.ghi'],
    ['  Bearer abc.def.ghi  ', 'abc.def.ghi'],
    ['Bearer a-b_c~d+e/f==', 'a-b_c~d+e/f=='],
  ])('takes the token from %j', (authorization, token) => {
    expect(extractBearerToken(requestWith({ authorization }))).toBe(token);
  });

  it.each([[undefined], ['Basic dXNlcjpwYXNz'], ['Digest username="x"'], ['DPoP abc.def.ghi']])(
    'sees no credentials in %j (RFC 6750 §3.1: another scheme is not ours)',
    (authorization) => {
      expect(extractBearerToken(requestWith(authorization === undefined ? {} : { authorization }))).toBeUndefined();
    },
  );

  it.each([[''], ['Bearer'], ['Bearer '], ['Bearer Bearer abc'], ['Bearer abc def'], ['Bearer abc"def'], ['Bearer ab=c'], ['abc.def.ghi']])(
    'refuses %j as invalid_request (400)',
    (authorization) => {
      const err = refusal(() => extractBearerToken(requestWith({ authorization })));
      expect([err.status, err.code, err.bearerError, err.expose]).toEqual([400, 'invalid_request', 'invalid_request', true]);
      expect(err.message).toBe("The Authorization header must be 'Bearer <token>', with exactly one token");
    },
  );

  it('refuses a token in the query string or a form body, and leaves a JSON field of that name to the app', () => {
    const inQuery = refusal(() => extractBearerToken(requestWith({ url: '/read?access_token=abc', query: { access_token: 'abc' } })));
    expect([inQuery.status, inQuery.code]).toEqual([400, 'invalid_request']);
    expect(inQuery.message).toContain('Authorization header');
    const inForm = refusal(() =>
      extractBearerToken(requestWith({ body: { access_token: 'abc' }, type: 'application/x-www-form-urlencoded' })),
    );
    expect(inForm.code).toBe('invalid_request');
    // Percent-encoded underscore in the URL: still the access_token parameter once parsed.
    expect(() => extractBearerToken(requestWith({ url: '/read?access%5Ftoken=abc', query: { access_token: 'abc' } }))).toThrow(
      AuthorizationError,
    );
    const json = requestWith({ authorization: 'Bearer abc.def.ghi', body: { access_token: 'data' }, type: 'application/json' });
    expect(extractBearerToken(json)).toBe('abc.def.ghi');
    // A path that merely mentions the name, with no such parameter, is fine.
    expect(extractBearerToken(requestWith({ url: '/docs/access_token', authorization: 'Bearer abc' }))).toBe('abc');
  });
});

describe('hasScopes (Stytch semantics: action:resource, action:* covers every resource)', () => {
  it.each<[string[], string[], boolean]>([
    [['read:users'], ['read:users'], true],
    [['read:users'], [], true],
    [[], ['read:users'], false],
    [['read:users'], ['write:users'], false],
    [['read:users'], ['read:wallets'], false],
    [['read:*'], ['read:users'], true],
    [['read:*'], ['read:users', 'read:wallets'], true],
    [['read:*'], ['write:users'], false],
    [['*:users'], ['read:users'], false],
    [['read:users', 'write:wallets'], ['read:users', 'write:wallets'], true],
    [['read:users'], ['read:users', 'write:wallets'], false],
    // A scope without a colon matches only itself, never a wildcard's resource.
    [['admin'], ['admin'], true],
    [['admin:*'], ['admin'], true],
    [['admin'], ['admin:users'], false],
    // Only the part up to a second colon is the resource, as in the SDK.
    [['read:users:extra'], ['read:users'], true],
    [['read:users'], ['read:users:anything'], true],
  ])('granted %j, required %j: %s', (granted, required, expected) => {
    expect(hasScopes(granted, required)).toBe(expected);
  });
});

describe('classifyVerificationError: a bad token (401), keys unavailable (503), or not ours to answer', () => {
  const sdkRefusal = (cause?: unknown) => new stytch.ClientError('jwt_invalid', 'Could not verify JWT', cause);
  const classified = (err: unknown) => {
    const result = classifyVerificationError(err);
    if (!(result instanceof AuthorizationError)) throw new Error(`not an AuthorizationError: ${String(result)}`);
    return { status: result.status, code: result.code, message: result.message, reason: result.reason };
  };

  it.each<[string, unknown, string]>([
    [
      'expired',
      new errors.JWTExpired('"exp" claim timestamp check failed', {}, 'exp', 'check_failed'),
      'The token has expired; get a new one',
    ],
    [
      'not yet valid',
      new errors.JWTClaimValidationFailed('"nbf" claim timestamp check failed', {}, 'nbf'),
      'The token is not valid yet (nbf)',
    ],
    [
      'another audience',
      new errors.JWTClaimValidationFailed('unexpected "aud" claim value', {}, 'aud'),
      'The token was issued for another audience (aud is not this project)',
    ],
    [
      'another issuer',
      new errors.JWTClaimValidationFailed('unexpected "iss" claim value', {}, 'iss'),
      'The token was issued by another issuer (iss)',
    ],
    [
      'a wrong typ',
      new errors.JWTClaimValidationFailed('unexpected "typ" JWT header value', {}, 'typ'),
      'The token is not a JWT access token (typ)',
    ],
    ['another claim', new errors.JWTClaimValidationFailed('"sub" claim must be a string', {}, 'sub'), 'The token has an invalid sub claim'],
    ['a bad signature', new errors.JWSSignatureVerificationFailed(), 'The token signature does not verify'],
    ['an unknown key', new errors.JWKSNoMatchingKey(), 'The token is signed with a key this project does not publish'],
    ['an ambiguous key', new errors.JWKSMultipleMatchingKeys(), 'The token is signed with a key this project does not publish'],
    [
      'a refused alg',
      new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed'),
      'The token is signed with an algorithm that is not accepted',
    ],
    [
      'an unsupported alg',
      new errors.JOSENotSupported('Unsupported "alg" value'),
      'The token is signed with an algorithm that is not accepted',
    ],
    ['a malformed JWS', new errors.JWSInvalid('Invalid Compact JWS'), 'The token is not a well-formed JWT'],
    ['a malformed JWT', new errors.JWTInvalid('JWT Claims Set must be a top-level JSON object'), 'The token is not a well-formed JWT'],
  ])('a token fault, %s: 401 invalid_token with what to tell the caller', (_name, cause, message) => {
    const result = classified(sdkRefusal(cause));
    expect(result).toMatchObject({ status: 401, code: 'invalid_token', message });
    // The log line has jose's own code and words; the caller gets the plain sentence.
    expect(result.reason).toContain((cause as { code: string }).code);
  });

  it.each<[string, unknown]>([
    ['a network error', new TypeError('fetch failed')],
    ['a JWKS timeout', new errors.JWKSTimeout()],
    ['a JWKS that is not one', new errors.JWKSInvalid('JSON Web Key Set malformed')],
    ['an unforeseen fetch failure', Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' })],
    ['a thrown string', 'socket hang up'],
  ])('the keys unavailable, %s: 503 temporarily_unavailable, retry later', (_name, cause) => {
    const result = classified(sdkRefusal(cause));
    expect(result).toMatchObject({ status: 503, code: 'temporarily_unavailable' });
    expect(result.message).toContain('signing keys are unavailable');
    expect(result.reason).toMatch(/^JWKS fetch failed: /);
  });

  it('an SDK refusal without a cause, or with another code, is a bad token', () => {
    expect(classified(sdkRefusal())).toMatchObject({ status: 401, message: 'The token could not be verified' });
    const other = classified(new stytch.ClientError('invalid_token', 'nope'));
    expect(other).toMatchObject({ status: 401, code: 'invalid_token', reason: 'SDK refused the token: invalid_token' });
  });

  it("the SDK's TypeError on a token without a string scope claim is a bad token, not our bug", () => {
    const result = classified(new TypeError("Cannot read properties of undefined (reading 'split')"));
    expect(result).toMatchObject({
      status: 401,
      message: 'The token is not an M2M access token (its scope claim is missing or malformed)',
    });
  });

  it("anything else is not the caller's fault: returned as it is, for the app's error handler (500)", () => {
    const bug = new Error('authorizeToken: set STYTCH_PROJECT_ID and STYTCH_SECRET, or pass options.client');
    expect(classifyVerificationError(bug)).toBe(bug);
  });
});

describe('AuthorizationError has the shape of our ServiceError: code, status, expose', () => {
  it.each<[ConstructorParameters<typeof AuthorizationError>[0], number, string | undefined]>([
    ['missing_token', 401, undefined],
    ['invalid_request', 400, 'invalid_request'],
    ['invalid_token', 401, 'invalid_token'],
    ['insufficient_scope', 403, 'insufficient_scope'],
    ['temporarily_unavailable', 503, undefined],
  ])('%s answers %d, challenge error %s', (code, status, bearerError) => {
    const err = new AuthorizationError(code, 'What the caller reads', { reason: 'what the log reads', clientId: 'm2m-client-1' });
    expect({ code: err.code, status: err.status, bearerError: err.bearerError, expose: err.expose }).toEqual({
      code,
      status,
      bearerError,
      expose: true,
    });
    expect([err.message, err.reason, err.clientId, err.name]).toEqual([
      'What the caller reads',
      'what the log reads',
      'm2m-client-1',
      'AuthorizationError',
    ]);
    expect(new AuthorizationError(code, 'Only a message').reason).toBe('Only a message');
  });
});

describe('authorizeToken validates its arguments at construction', () => {
  it.each<[string, unknown]>([
    ['a scope with a space', 'read users'],
    ['a scope with a double quote', 'read"users'],
    ['an empty scope', ''],
    ['a scope that is not a string', [42]],
  ])('throws a TypeError for %s', (_name, scopes) => {
    expect(() => authorizeToken(scopes as string[])).toThrow(
      new TypeError(`authorizeToken: invalid scope in ${JSON.stringify([scopes].flat())}`),
    );
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['maxTokenAgeSeconds', { maxTokenAgeSeconds: Number.NaN }, 'a non-negative number of seconds (got NaN)'],
    ['maxTokenAgeSeconds', { maxTokenAgeSeconds: -1 }, 'a non-negative number of seconds (got -1)'],
    ['maxTokenAgeSeconds', { maxTokenAgeSeconds: '300' }, 'a non-negative number of seconds (got "300")'],
    ['clockToleranceSeconds', { clockToleranceSeconds: Number.POSITIVE_INFINITY }, 'a non-negative number of seconds (got Infinity)'],
    ['clockToleranceSeconds', { clockToleranceSeconds: -5 }, 'a non-negative number of seconds (got -5)'],
    ['maxTokenLifetimeSeconds', { maxTokenLifetimeSeconds: 0 }, 'a positive number of seconds (got 0)'],
    ['maxTokenLifetimeSeconds', { maxTokenLifetimeSeconds: Number.NaN }, 'a positive number of seconds (got NaN)'],
    ['clientStatus', { clientStatus: 'no' }, 'true or false (got "no")'],
    ['clientStatusMaxAgeSeconds', { clientStatusMaxAgeSeconds: Number.NaN }, 'a positive number of seconds (got NaN)'],
    ['clientStatusMaxAgeSeconds', { clientStatusMaxAgeSeconds: 0 }, 'a positive number of seconds (got 0)'],
    ['clientStatusStaleSeconds', { clientStatusStaleSeconds: -1 }, 'a non-negative number of seconds (got -1)'],
    ['clientStatusStaleSeconds', { clientStatusStaleSeconds: Number.NaN }, 'a non-negative number of seconds (got NaN)'],
    ['jwksMaxAgeSeconds', { jwksMaxAgeSeconds: Number.POSITIVE_INFINITY }, 'a positive number of seconds or false (got Infinity)'],
    ['jwksMaxAgeSeconds', { jwksMaxAgeSeconds: true }, 'a positive number of seconds or false (got true)'],
    ['jwksMaxAgeSeconds', { jwksMaxAgeSeconds: 0 }, 'a positive number of seconds or false (got 0)'],
    ['cache', { cache: true }, 'false or { maxEntries } (got true)'],
    ['cache', { cache: 'big' }, 'false or { maxEntries } (got "big")'],
    ['cache', { cache: null }, 'false or { maxEntries } (got null)'],
    ['cache.maxEntries', { cache: { maxEntries: Number.NaN } }, 'a positive integer (got NaN)'],
    ['cache.maxEntries', { cache: { maxEntries: 0 } }, 'a positive integer (got 0)'],
    ['cache.maxEntries', { cache: { maxEntries: 1.5 } }, 'a positive integer (got 1.5)'],
    ['cache.maxEntries', { cache: {} }, 'a positive integer (got undefined)'],
    ['client', { client: { secret: 'project-secret' } }, 'a stytch.Client (got an object)'],
    ['realm', { realm: 42 }, 'a string (got 42)'],
    ['resourceMetadataUrl', { resourceMetadataUrl: 42 }, 'a string or (req) => string (got 42)'],
    ['resource', { resource: 'wallet.example.com' }, 'an absolute URI without a fragment, or (req) => string (got "wallet.example.com")'],
    [
      'resource',
      { resource: 'https://wallet.example.com/#mcp' },
      'an absolute URI without a fragment, or (req) => string (got "https://wallet.example.com/#mcp")',
    ],
    ['resourceClaim', { resource: 'https://wallet.example.com', resourceClaim: '' }, 'a claim name (got "")'],
    ['resourceClaim', { resourceClaim: 'resources' }, 'set together with resource (got "resources")'],
    ['logger', { logger: { warn: () => undefined } }, 'an object with warn and info methods (got an object)'],
    ['logger', { logger: 'console' }, 'an object with warn and info methods (got "console")'],
    ['now', { now: 1_700_000_000_000 }, 'a function returning milliseconds (got 1700000000000)'],
  ])('throws a TypeError naming %s: %j', (name, options, expected) => {
    expect(() => authorizeToken('read:users', options as AuthorizeTokenOptions)).toThrow(
      new TypeError(`authorizeToken: ${name} must be ${expected}`),
    );
  });

  it('names an unknown option (a typo fails at start-up, not as a silently ignored setting)', () => {
    expect(() => authorizeToken('read:users', { maxTokenAge: 300 } as AuthorizeTokenOptions)).toThrow(
      new TypeError('authorizeToken: unknown option maxTokenAge'),
    );
  });

  it('never shows an object option, so a client holding the project secret never reaches the message', () => {
    expect(() => authorizeToken('read:users', { client: { secret: 'project-secret' } } as unknown as AuthorizeTokenOptions)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('project-secret') as unknown }) as Error,
    );
  });

  it('accepts every option at the edge of its range, and undefined for any of them', () => {
    const edge: AuthorizeTokenOptions = {
      maxTokenAgeSeconds: 0,
      clockToleranceSeconds: 0,
      maxTokenLifetimeSeconds: 1,
      clientStatus: false,
      clientStatusMaxAgeSeconds: 0.5,
      clientStatusStaleSeconds: 0,
      jwksMaxAgeSeconds: false,
      cache: { maxEntries: 1 },
      realm: '',
      resourceMetadataUrl: () => 'https://wallet.example/.well-known/oauth-protected-resource',
      logger: console,
      now: Date.now,
    };
    expect(authorizeToken('read:users', edge).cache).toBeUndefined(); // no client configured: no cache to show yet
    expect(() => authorizeToken([], { cache: false, jwksMaxAgeSeconds: 1, realm: undefined })).not.toThrow();
    expect(authorizeToken('read:users', { cache: false }).cache).toBeUndefined();
  });
});
