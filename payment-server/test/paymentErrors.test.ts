import { RequestError, StytchError } from 'stytch';
import { HttpError, ServiceError } from '@m2m/shared';
import { TimeoutError } from '../src/m2m/backoff';
import { classifyTokenFailure, TokenUnavailableError } from '../src/m2m/tokenErrors';
import { toPaymentHttpError, type PaymentStep } from '../src/payments/paymentErrors';
import { WalletError, type WalletFailureReason } from '../src/wallet/walletErrors';

/**
 * What a caller of /initiate-payment is told when a step fails, for every failure of the wallet
 * client and of the token provider, at both steps: the status and code, the headers, and a message
 * built in one piece (no doubled dot or space to patch) that says once whether money may have moved.
 * The end-to-end answers over HTTP are in payments.test.ts.
 */
const STEPS: PaymentStep[] = ['check-balance', 'debit'];

const WALLET_FAILURES: [WalletFailureReason, { status: number; code: string }][] = [
  ['customer_not_found', { status: 404, code: 'customer_not_found' }],
  ['destination_not_found', { status: 404, code: 'destination_not_found' }],
  ['insufficient_funds', { status: 409, code: 'insufficient_funds' }],
  ['idempotency_key_reused', { status: 422, code: 'idempotency_key_reused' }],
  ['unauthorized', { status: 502, code: 'wallet_rejected_token' }],
  ['client_revoked', { status: 502, code: 'm2m_client_revoked' }],
  ['unreachable', { status: 503, code: 'wallet_unavailable' }],
  ['unavailable', { status: 503, code: 'wallet_unavailable' }],
  ['timeout', { status: 504, code: 'wallet_timeout' }],
  ['bad_response', { status: 502, code: 'wallet_error' }],
];

/** The provider's error for what the SDK (or our deadline) threw. */
const tokenFailure = (thrown: unknown) =>
  new TokenUnavailableError(classifyTokenFailure(thrown), { attempts: 1, clientId: 'm2m-client-test-1', scopes: ['read:users'] });
const tokenAnswer = (status_code: number, error: string, extra: object = {}) =>
  new StytchError({ status_code, request_id: 'request-id-test', error, error_description: error, error_uri: '', ...extra });

const TOKEN_FAILURES: [string, TokenUnavailableError, { status: number; code: string; headers: Record<string, string> }][] = [
  ['a timeout', tokenFailure(new TimeoutError(5_000)), { status: 504, code: 'auth_server_timeout', headers: {} }],
  [
    'an unreachable auth server',
    tokenFailure(new RequestError('fetch failed', { method: 'POST', url: '/token' })),
    { status: 503, code: 'auth_server_unavailable', headers: { 'Retry-After': '1' } },
  ],
  [
    'a failing auth server',
    tokenFailure(tokenAnswer(500, 'server_error')),
    { status: 503, code: 'auth_server_unavailable', headers: { 'Retry-After': '1' } },
  ],
  [
    'a rate limit of 30 s',
    tokenFailure(tokenAnswer(429, 'too_many_requests', { retry_after_seconds: 30 })),
    { status: 503, code: 'auth_server_rate_limited', headers: { 'Retry-After': '30' } },
  ],
  ['refused credentials', tokenFailure(tokenAnswer(401, 'invalid_client')), { status: 502, code: 'm2m_credentials_rejected', headers: {} }],
  [
    'a scope the client lacks',
    tokenFailure(tokenAnswer(400, 'invalid_scope')),
    { status: 502, code: 'm2m_credentials_rejected', headers: {} },
  ],
];

/** The answer, which must be an HttpError (its message shown to the caller). */
function answerTo(err: unknown, step: PaymentStep): HttpError {
  const answer = toPaymentHttpError(err, step);
  if (!(answer instanceof HttpError)) throw new Error(`not an HttpError: ${String(answer)}`);
  return answer;
}

/** A message built in one piece: sentences, each ending once, with single spaces. */
function expectWellFormed(message: string): void {
  expect(message).not.toMatch(/\.\.|\s{2}|\s\.|^\s|\s$/);
  expect(message).toMatch(/^[A-Z].*\.$/);
}

describe('WalletError', () => {
  it.each(WALLET_FAILURES)('%s is a ServiceError answering %p', (reason, answer) => {
    const err = new WalletError(reason, 'what the wallet client saw', { status: 500 });
    expect(err).toBeInstanceOf(ServiceError);
    expect({ status: err.status, code: err.code }).toEqual(answer);
    expect(err.reason).toBe(reason);
    // A wallet failure's message names where the wallet lives: never shown to a client as it is.
    expect(err.expose).toBe(answer.status < 500);
    expect(err.headers).toEqual(answer.status === 503 ? { 'Retry-After': '1' } : {});
  });

  it("rejected_request passes on the wallet's own status and code", () => {
    const err = new WalletError('rejected_request', 'The destination is the source wallet', { status: 400, code: 'same_wallet' });
    expect(err).toMatchObject({ status: 400, code: 'same_wallet', expose: true, wallet: { status: 400, code: 'same_wallet' } });
    expect(new WalletError('rejected_request', 'no code', { status: 400 })).toMatchObject({ status: 400, code: 'invalid_request' });
  });
});

describe('toPaymentHttpError', () => {
  describe.each(STEPS)('at the %s', (step) => {
    it.each(WALLET_FAILURES)('a wallet %s keeps its status and code, with a well-formed message', (reason, answer) => {
      const err = new WalletError(reason, 'The wallet-server at http://10.0.0.7:4000/ said no.', { status: 500 });
      const http = answerTo(err, step);
      expect({ status: http.status, code: http.code }).toEqual(answer);
      expect(http.headers).toEqual(err.headers);
      expectWellFormed(http.message);
      // The wallet's words reach the caller only about the request (an unknown customer); never an address.
      if (reason !== 'customer_not_found') expect(http.message).not.toContain('10.0.0.7');
    });

    it.each(TOKEN_FAILURES)('no token after %s: %p, with a well-formed message', (_what, err, answer) => {
      const http = answerTo(err, step);
      expect({ status: http.status, code: http.code, headers: http.headers }).toEqual(answer);
      expectWellFormed(http.message);
      const outcome = step === 'debit' ? 'Retry with the same Idempotency-Key: it never debits twice.' : 'Nothing was debited.';
      expect(http.message.slice(-outcome.length)).toBe(outcome);
    });
  });

  it('the debit says a retry with the same key is safe; the balance check that nothing was debited', () => {
    const unavailable = new WalletError('unavailable', 'HTTP 503');
    expect(answerTo(unavailable, 'check-balance').message).toBe('The wallet-server is unavailable. Nothing was debited.');
    expect(answerTo(unavailable, 'debit').message).toBe(
      'The wallet-server is unavailable. Retry with the same Idempotency-Key: it never debits twice.',
    );
    expect(answerTo(new WalletError('timeout', 'slow'), 'debit').message).toMatch(/may or may not have happened.*same Idempotency-Key/);
  });

  it("passes on the wallet's words where they are about the request", () => {
    expect(answerTo(new WalletError('customer_not_found', 'No wallet for customer c-1', { status: 404 }), 'check-balance').message).toBe(
      'No wallet for customer c-1',
    );
    const ownWallet = new WalletError('rejected_request', 'The destination is the source wallet', { status: 400, code: 'same_wallet' });
    expect(answerTo(ownWallet, 'debit')).toMatchObject({
      status: 400,
      code: 'same_wallet',
      message: 'The destination is the source wallet',
    });
  });
});
