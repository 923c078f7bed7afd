import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startAuthServer, type AuthServerOptions, type RunningAuthServer } from '@m2m/auth-server';
import { startWalletServer, type RunningWalletServer, type WalletServerOptions } from '@m2m/wallet-server';
import { createLogger, createStytchClient, PAYMENT_API_SCOPE, SCOPES, type Logger, type StytchProject } from '@m2m/shared';
import type { Client } from 'stytch';
import { startPaymentServer, type PaymentServerOptions, type RunningPaymentServer } from '../../src/server';
import type { HttpAnswer } from '../../../test/support/http';
import { startCountingProxy, type CountingProxy } from './countingProxy';

export const JOHN = { customerId: '67uhjio098uhgt6l', walletId: 'oipk9ifgl7yto9w', balance: 1790 };
export const JANE = { customerId: 'plu8iio0t3uhh06h', walletId: 'ui099jlolrrao6g', balance: 970 };
export const ADMIN_KEY = 'test-admin-key-0123456789abcdef-0123456789';
export const PAYMENT_SCOPES = [SCOPES.readUsers, SCOPES.writeWallets];

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'payment-server-test-'));
}

export async function startAuth(options: AuthServerOptions = {}): Promise<RunningAuthServer> {
  // Generous failure limits: some tests try wrong secrets on purpose.
  return startAuthServer({ port: 0, rateLimit: { perClientPerMinute: 1000, perIpPerMinute: 1000 }, ...options });
}

/**
 * An auth-server reached through a counting proxy, for tests that count or break what reaches it.
 * Its public URL (its tokens' `iss`) is the proxy's, so every server given `project` accepts its
 * tokens: the payment-server verifies its callers' tokens against the project's base URL.
 */
export async function startAuthBehindProxy(
  options: AuthServerOptions = {},
): Promise<{ auth: RunningAuthServer; proxy: CountingProxy; project: StytchProject }> {
  const proxy = await startCountingProxy('http://127.0.0.1:1/');
  const auth = await startAuth({ ...options, publicUrl: proxy.url });
  proxy.setTarget(auth.url);
  return { auth, proxy, project: projectOf(auth, proxy.url) };
}

/** The project as the payment-server sees it, optionally through a proxy in front of the auth-server. */
export function projectOf(auth: RunningAuthServer, baseUrl = auth.url): StytchProject {
  return { projectId: auth.projectId, secret: auth.projectSecret, baseUrl };
}

export function sdkFor(auth: RunningAuthServer): Client {
  return createStytchClient(projectOf(auth));
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
}

export async function createClient(
  auth: RunningAuthServer,
  scopes: string[] = PAYMENT_SCOPES,
  name = 'payment-service',
): Promise<TestClient> {
  const { m2m_client } = await sdkFor(auth).m2m.clients.create({ scopes, client_name: name });
  return { clientId: m2m_client.client_id, clientSecret: m2m_client.client_secret };
}

/**
 * A caller of the payment API, made the Stytch way: an M2M client with write:payments created with
 * the project's credentials, and its token from the token endpoint (through the SDK).
 */
export async function createCaller(
  auth: RunningAuthServer,
  name = 'checkout-service',
  scopes: string[] = [PAYMENT_API_SCOPE],
): Promise<TestClient & { token: string }> {
  const client = await createClient(auth, scopes, name);
  const { access_token } = await sdkFor(auth).m2m.token({ client_id: client.clientId, client_secret: client.clientSecret });
  return { ...client, token: access_token };
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

/** Every log line a server writes, kept in memory so tests can look for secrets in them. */
export class LogCapture {
  readonly lines: string[] = [];
  readonly logger: Logger;

  constructor(level = 'debug') {
    const lines = this.lines;
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    this.logger = createLogger({ name: 'payment-server', level, destination });
  }

  text(): string {
    return this.lines.join('\n');
  }
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

/** POST /initiate-payment over real HTTP. */
export async function postPayment(baseUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const res = await fetch(new URL('initiate-payment', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: parsedJson(text), text, headers: res.headers };
}

/** Any JSON request, e.g. the admin routes. */
export async function request(
  baseUrl: string,
  method: string,
  route: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(new URL(route.replace(/^\//, ''), baseUrl), {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, body: parsedJson(text), text, headers: res.headers };
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The balance the wallet holds, read through its own store (the source of truth). */
export function balanceOf(wallet: RunningWalletServer, customerId: string): number {
  return wallet.wallets.findByCustomer(customerId)!.balance;
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
