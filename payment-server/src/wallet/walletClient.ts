import { z } from 'zod';
import { CLIENT_REVOKED_DESCRIPTION, SCOPES, type CheckBalanceResponse, type DebitRequest, type DebitResponse } from '@m2m/shared';
import type { TokenProvider } from '../m2m/tokenProvider';
import { createJsonHttpClient, NoAnswerError, type JsonAnswer, type JsonHttpClient } from './jsonHttpClient';
import { WalletError, type WalletAnswer } from './walletErrors';

/** Checked at construction: a wrong value is a TypeError naming the option. */
export interface WalletClientOptions {
  /** WALLET_SERVER_URL: http:// or https://, no query or fragment; a path in it prefixes the API's. */
  baseUrl: string;
  tokens: Pick<TokenProvider, 'getToken' | 'invalidate'>;
  /** Deadline of each HTTP call to the wallet, whole milliseconds (default 5 s). */
  timeoutMs?: number;
  /** Keep-alive sockets to the wallet, a whole number (default 128). */
  maxSockets?: number;
}

/** The wallet's debit answer, and whether it was the replay of an earlier debit with the same key. */
export interface DebitResult extends DebitResponse {
  replayed: boolean;
}

export interface CallContext {
  /** Passed on as X-Request-Id, so one payment can be followed through both servers' logs. */
  requestId?: string;
}

const CheckBalanceAnswer = z.object({ customerName: z.string(), walletId: z.string(), walletBalance: z.number().int() });
const DebitAnswer = z.object({ transactionId: z.string().min(1), walletBalance: z.number().int() });
const ErrorAnswer = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/**
 * The wallet-server's API over HTTP (jsonHttpClient: node:http, keep-alive). Each call asks the
 * TokenProvider for a token with only the scope it needs. If the wallet answers 401 invalid_token
 * (the auth server's keys rotated, the token was revoked...), the token is dropped, a new one
 * fetched, and the call retried ONCE: safe for the debit too, because the wallet refused it before
 * doing anything and the retry carries the same Idempotency-Key. If the wallet says our client
 * itself is revoked (deactivated or deleted), a fresh token can't help: the token is dropped and
 * the call fails at once (client_revoked), so a revoked client costs one wallet call per payment,
 * not a retry loop; once the client is active again, the next payment fetches a new token and goes
 * through.
 * Every failure becomes a WalletError (or the provider's TokenUnavailableError).
 */
export class WalletClient {
  private readonly http: JsonHttpClient;
  private readonly timeoutMs: number;

  constructor(private readonly options: WalletClientOptions) {
    assertOptions(options);
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.http = createJsonHttpClient({ baseUrl: options.baseUrl, timeoutMs: this.timeoutMs, maxSockets: options.maxSockets ?? 128 });
  }

  /** POST /api/check-balance with a read:users token. */
  async checkBalance(customerId: string, context: CallContext = {}): Promise<CheckBalanceResponse> {
    const res = await this.call([SCOPES.readUsers], '/api/check-balance', { customerId }, {}, context);
    return this.parse(res, CheckBalanceAnswer, 'check-balance');
  }

  /** POST /api/debit with a write:wallets token; the same key always gets the same outcome. */
  async debit(request: DebitRequest, idempotencyKey: string, context: CallContext = {}): Promise<DebitResult> {
    const res = await this.call([SCOPES.writeWallets], '/api/debit', request, { 'Idempotency-Key': idempotencyKey }, context);
    return { ...this.parse(res, DebitAnswer, 'debit'), replayed: headerOf(res, 'idempotent-replayed') === 'true' };
  }

  /** Closes the keep-alive sockets. */
  close(): void {
    this.http.close();
  }

  private async call(
    scopes: string[],
    path: string,
    body: unknown,
    headers: Record<string, string>,
    context: CallContext,
  ): Promise<JsonAnswer> {
    const token = await this.options.tokens.getToken(scopes);
    const res = await this.send(path, body, token, headers, context);
    if (res.status !== 401 || !isInvalidToken(res)) return res;
    // Only this token is dropped: concurrent calls refused with it share the one new token.
    this.options.tokens.invalidate(scopes, token);
    if (isClientRevoked(res)) throw clientRevoked(path);
    const fresh = await this.options.tokens.getToken(scopes);
    const retried = await this.send(path, body, fresh, headers, context);
    if (retried.status === 401 && isInvalidToken(retried)) {
      this.options.tokens.invalidate(scopes, fresh);
      if (isClientRevoked(retried)) throw clientRevoked(path);
    }
    return retried;
  }

  private async send(
    path: string,
    body: unknown,
    token: string,
    headers: Record<string, string>,
    context: CallContext,
  ): Promise<JsonAnswer> {
    try {
      return await this.http.post(path, body, {
        ...headers,
        authorization: `Bearer ${token}`,
        ...(context.requestId && { 'x-request-id': context.requestId }),
      });
    } catch (err) {
      if (!(err instanceof NoAnswerError)) throw err;
      if (err.kind === 'timeout') throw new WalletError('timeout', `The wallet-server did not answer ${path} within ${this.timeoutMs} ms`);
      if (err.kind === 'too_large') throw new WalletError('bad_response', `The wallet-server's answer to ${path} is too large`);
      // Nothing reached the wallet (a header node:http refuses), so nothing was debited: a 503 the caller may retry.
      if (err.kind === 'not_sent')
        throw new WalletError('unreachable', `The request to the wallet-server could not be sent (${err.message})`);
      throw new WalletError('unreachable', `The wallet-server can't be reached at ${this.options.baseUrl} (${err.code ?? err.message})`);
    }
  }

  private parse<T>(res: JsonAnswer, schema: z.ZodType<T>, what: string): T {
    if (res.status === 200 || res.status === 201) {
      const parsed = schema.safeParse(res.body);
      if (parsed.success) return parsed.data;
      throw new WalletError('bad_response', `The wallet-server's ${what} answer does not match its contract`, { status: res.status });
    }
    throw toWalletError(res, what);
  }
}

/** One response header as a string (set-cookie, the one list, is not asked for). */
function headerOf(res: JsonAnswer, name: string): string | undefined {
  const value: unknown = res.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function isInvalidToken(res: JsonAnswer): boolean {
  return headerOf(res, 'www-authenticate')?.includes('error="invalid_token"') ?? false;
}

function isClientRevoked(res: JsonAnswer): boolean {
  return headerOf(res, 'www-authenticate')?.includes(`error_description="${CLIENT_REVOKED_DESCRIPTION}"`) ?? false;
}

function clientRevoked(path: string): WalletError {
  return new WalletError('client_revoked', `The wallet-server refused ${path}: our M2M client is deactivated or deleted`, {
    status: 401,
    code: 'invalid_token',
  });
}

function toWalletError(res: JsonAnswer, what: string): WalletError {
  const parsed = ErrorAnswer.safeParse(res.body);
  const { status } = res;
  const code = parsed.success ? parsed.data.error.code : undefined;
  const wallet: WalletAnswer = { status, code };
  const message = parsed.success ? parsed.data.error.message : `HTTP ${status}`;
  if (status === 404 && code === 'customer_not_found') return new WalletError('customer_not_found', message, wallet);
  if (status === 404 && code === 'destination_not_found') return new WalletError('destination_not_found', message, wallet);
  if (status === 409 && code === 'insufficient_funds') return new WalletError('insufficient_funds', message, wallet);
  if (status === 422 && code?.includes('idempotency')) return new WalletError('idempotency_key_reused', message, wallet);
  if (status === 401 || status === 403) {
    const answered = parsed.success ? `${status} ${parsed.data.error.code}: ${parsed.data.error.message}` : String(status);
    return new WalletError('unauthorized', `The wallet-server refused our token for ${what} (${answered})`, wallet);
  }
  if (status === 503 || status === 429)
    return new WalletError('unavailable', `The wallet-server is unavailable (${status}): ${message}`, wallet);
  if (status >= 400 && status < 500) return new WalletError('rejected_request', message, wallet);
  return new WalletError('bad_response', `The wallet-server failed on ${what} (${status})`, wallet);
}

/** The longest wait a Node timer keeps (the deadline is one); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function assertOptions(options: WalletClientOptions): void {
  const { baseUrl, tokens, timeoutMs, maxSockets } = options as Partial<Record<keyof WalletClientOptions, unknown>>;
  if (typeof baseUrl !== 'string' || !isHttpUrl(baseUrl)) {
    throw new TypeError('WalletClient: baseUrl must be an http:// or https:// URL, with no query or fragment');
  }
  const provider = tokens as Partial<Record<'getToken' | 'invalidate', unknown>> | undefined;
  if (typeof provider?.getToken !== 'function' || typeof provider.invalidate !== 'function') {
    throw new TypeError('WalletClient: tokens must have getToken and invalidate (a TokenProvider has)');
  }
  if (timeoutMs !== undefined && !isWholeNumber(timeoutMs, 1, MAX_TIMER_MS)) {
    throw new TypeError(
      `WalletClient: timeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS} (got ${shown(timeoutMs)})`,
    );
  }
  // http.Agent would take NaN or 0 for "no limit".
  if (maxSockets !== undefined && !isWholeNumber(maxSockets, 1, Number.MAX_SAFE_INTEGER)) {
    throw new TypeError(`WalletClient: maxSockets must be a whole number of at least 1 (got ${shown(maxSockets)})`);
  }
}

/** A wrong value as a message shows it: `"5"` for a string, so that it can't pass for the number 5. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? String(value) : typeof value;
}

function isWholeNumber(value: unknown, min: number, max: number): boolean {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    // A query or fragment would end up in the middle of every request's path.
    return ['http:', 'https:'].includes(url.protocol) && !value.includes('?') && !value.includes('#');
  } catch {
    return false;
  }
}
