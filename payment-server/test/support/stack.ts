import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuthServerOptions, RunningAuthServer } from '@m2m/auth-server';
import { startWalletServer, type RunningWalletServer, type WalletServerOptions } from '@m2m/wallet-server';
import { PAYMENT_API_SCOPE, SCOPES } from '@m2m/shared';
import {
  accessToken,
  createM2MClient,
  JANE,
  JOHN,
  projectOf,
  sdk,
  startAuth as startSuiteAuth,
  startAuthBehindProxy as startSuiteAuthBehindProxy,
  type M2MCredentials,
} from '../../../test/support/stack';
import { at, request as httpRequest, type HttpAnswer } from '../../../test/support/http';
import { startPaymentServer, type PaymentServerOptions, type RunningPaymentServer } from '../../src/server';

/** The payment-server's own tests: the one toolkit (test/support) plus what only these tests need. */
export { JANE, JOHN, projectOf, sdk, type M2MCredentials as TestClient } from '../../../test/support/stack';
export { LogCapture } from '../../../test/support/logCapture';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef-0123456789';
export const PAYMENT_SCOPES = [SCOPES.readUsers, SCOPES.writeWallets];

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'payment-server-test-'));
}

// Generous failure limits: some tests try wrong secrets on purpose.
const GENEROUS_LIMITS: AuthServerOptions = { rateLimit: { perClientPerMinute: 1000, perIpPerMinute: 1000 } };

export function startAuth(options: AuthServerOptions = {}): Promise<RunningAuthServer> {
  return startSuiteAuth({ ...GENEROUS_LIMITS, ...options });
}

export function startAuthBehindProxy(options: AuthServerOptions = {}): ReturnType<typeof startSuiteAuthBehindProxy> {
  return startSuiteAuthBehindProxy({ ...GENEROUS_LIMITS, ...options });
}

/** An M2M client of the project (by default the payment-server's own: payment-service, its two scopes). */
export function createClient(
  auth: RunningAuthServer,
  scopes: string[] = PAYMENT_SCOPES,
  name = 'payment-service',
): Promise<M2MCredentials> {
  return createM2MClient(sdk(auth), scopes, name);
}

/** A caller of the payment API, made the Stytch way: a write:payments client of the project, and its token. */
export async function createCaller(
  auth: RunningAuthServer,
  name = 'checkout-service',
  scopes: string[] = [PAYMENT_API_SCOPE],
): Promise<M2MCredentials & { token: string }> {
  const client = await createClient(auth, scopes, name);
  return { ...client, token: await accessToken(sdk(auth), client) };
}

/** The header a caller sends /initiate-payment. */
export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

export function startWallet(
  auth: RunningAuthServer,
  dir: string,
  options: Partial<WalletServerOptions> = {},
): Promise<RunningWalletServer> {
  return startWalletServer({
    port: 0,
    databaseFile: path.join(dir, `wallet-${Math.random().toString(36).slice(2)}.db`),
    stytchProject: projectOf(auth),
    ...options,
  });
}

export type PaymentStart = Partial<PaymentServerOptions> & Pick<PaymentServerOptions, 'stytchProject' | 'walletServerUrl'>;

export function startPayment(dir: string, options: PaymentStart): Promise<RunningPaymentServer> {
  return startPaymentServer({
    port: 0,
    credentialsFile: path.join(dir, 'payment-server-credentials.json'),
    adminApiKey: ADMIN_KEY,
    // These suites send many wrong keys on purpose; the limit itself has its own test.
    adminKeyFailuresPerMinute: 1_000,
    ...options,
  });
}

export interface PayBody {
  customerId: string;
  debitAmount: number;
  destinationWalletId: string;
}

export const pay = (over: Partial<PayBody> = {}): PayBody => ({
  customerId: JOHN.customerId,
  debitAmount: 100,
  destinationWalletId: JANE.walletId,
  ...over,
});

/** POST /initiate-payment over real HTTP; a string body is sent as it is. */
export function postPayment(baseUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return httpRequest('POST', at(baseUrl, 'initiate-payment'), {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** Any JSON request, e.g. the admin routes. */
export function request(
  baseUrl: string,
  method: string,
  route: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  return httpRequest(method, at(baseUrl, route), {
    headers: {
      ...options.headers,
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
      ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }),
    },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  });
}

/** The balance the wallet holds, read through its own store (the source of truth). */
export async function balanceOf(wallet: RunningWalletServer, customerId: string): Promise<number> {
  return (await wallet.wallets.findByCustomer(customerId))!.balance;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The claims of a JWT, without verifying it (tests only look at exp, sub and scope). */
export function claimsOf(token: string): { sub: string; scope: string; exp: number; iat: number } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as {
    sub: string;
    scope: string;
    exp: number;
    iat: number;
  };
}
