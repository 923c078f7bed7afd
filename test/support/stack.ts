import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAuthServer, type AuthServerOptions, type RunningAuthServer } from '@m2m/auth-server';
import { startPaymentServer, type PaymentServerOptions, type RunningPaymentServer } from '@m2m/payment-server';
import { createStytchClient, PAYMENT_API_SCOPE, type Logger, type StytchProject } from '@m2m/shared';
import { startWalletServer, type RunningWalletServer, type WalletServerOptions } from '@m2m/wallet-server';
import type * as stytch from 'stytch';

/** In-process servers on ephemeral ports, real SQLite files in a temp folder, the real SDK. */

export function tempDir(label: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `m2m-${label}-`));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function startAuth(options: AuthServerOptions = {}): Promise<RunningAuthServer> {
  return startAuthServer({ port: 0, databaseFile: ':memory:', ...options });
}

export function projectOf(auth: Pick<RunningAuthServer, 'projectId' | 'projectSecret' | 'url'>): StytchProject {
  return { projectId: auth.projectId, secret: auth.projectSecret, baseUrl: auth.url };
}

/** A fresh SDK client with the project's credentials (its own JWKS cache, like a new process). */
export function sdk(auth: Pick<RunningAuthServer, 'projectId' | 'projectSecret' | 'url'>): stytch.Client {
  return createStytchClient(projectOf(auth));
}

export interface M2MCredentials {
  clientId: string;
  clientSecret: string;
}

export async function createM2MClient(admin: stytch.Client, scopes: string[], name = 'suite-client'): Promise<M2MCredentials> {
  const { m2m_client } = await admin.m2m.clients.create({ scopes, client_name: name });
  return { clientId: m2m_client.client_id, clientSecret: m2m_client.client_secret };
}

export async function accessToken(admin: stytch.Client, credentials: M2MCredentials, scopes?: string[]): Promise<string> {
  const { access_token } = await admin.m2m.token({
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    ...(scopes && { scopes }),
  });
  return access_token;
}

/** A caller of the payment API made the Stytch way (a write:payments client of the project), and its token. */
export async function paymentCallerToken(admin: stytch.Client, name = 'checkout-service'): Promise<string> {
  return accessToken(admin, await createM2MClient(admin, [PAYMENT_API_SCOPE], name));
}

export function startWallet(
  auth: Pick<RunningAuthServer, 'projectId' | 'projectSecret' | 'url'>,
  options: Partial<WalletServerOptions> & { logger?: Logger } = {},
): Promise<RunningWalletServer> {
  return startWalletServer({ port: 0, stytchProject: projectOf(auth), ...options });
}

export const ADMIN_API_KEY = 'suite-admin-key-0123456789abcdefghijklmnopqrstuvwxyz';

export function startPayment(
  auth: Pick<RunningAuthServer, 'projectId' | 'projectSecret' | 'url'>,
  walletUrl: string,
  options: Partial<PaymentServerOptions> & { credentialsFile: string },
): Promise<RunningPaymentServer> {
  return startPaymentServer({
    port: 0,
    stytchProject: projectOf(auth),
    walletServerUrl: walletUrl,
    adminApiKey: ADMIN_API_KEY,
    // These suites send many wrong keys on purpose; the limit itself has its own test.
    adminKeyFailuresPerMinute: 1_000,
    // Load suites pay faster than a caller may; the per-caller limit has its own test.
    paymentsPerMinute: 1_000_000,
    selfProvision: true,
    // Short retries: an outage test should learn "unavailable" in a second, not after 4 slow attempts.
    tokenProvider: { maxAttempts: 2, retryBaseDelayMs: 50, retryMaxDelayMs: 200, requestTimeoutMs: 2_000 },
    walletTimeoutMs: 3_000,
    ...options,
  });
}

/** The tutorial's two customers, as the wallet seeds them. */
export const JOHN = { customerId: '67uhjio098uhgt6l', walletId: 'oipk9ifgl7yto9w', balance: 1790 };
export const JANE = { customerId: 'plu8iio0t3uhh06h', walletId: 'ui099jlolrrao6g', balance: 970 };
