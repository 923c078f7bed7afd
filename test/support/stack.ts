import path from 'node:path';
import { startAuthServer, type AuthServerOptions, type RunningAuthServer } from '@m2m/auth-server';
import type { PaymentServerOptions, RunningPaymentServer } from '@m2m/payment-server';
import type { Logger, StytchProject } from '@m2m/shared';
import type { RunningWalletServer, WalletServerOptions } from '@m2m/wallet-server';
import { startCountingProxy, type CountingProxy } from './countingProxy';
import { pooledSigningKeys } from './signingKeys';
import { projectOf, type AuthProject } from './stytchProject';
import { tempDir } from './tempDir';

export * from './stytchProject';
export { tempDir } from './tempDir';

/** In-process servers on ephemeral ports, real SQLite files in a temp folder, the real SDK. */

/**
 * Suites send wrong secrets on purpose, so the toolkit's auth-servers have roomy failure budgets;
 * the tests of the budgets themselves pass their own `rateLimit`.
 */
export const ROOMY_RATE_LIMIT = { perClientPerMinute: 10_000, perIpPerMinute: 10_000 };

/** An in-process auth-server on an ephemeral port, in memory, signing with the run's pre-generated keys (signingKeys.ts). */
export function startAuth(options: AuthServerOptions = {}): Promise<RunningAuthServer> {
  const generateSigningKey = pooledSigningKeys();
  return startAuthServer({
    port: 0,
    databaseFile: ':memory:',
    rateLimit: ROOMY_RATE_LIMIT,
    ...(generateSigningKey && { generateSigningKey }),
    ...options,
  });
}

/**
 * An auth-server reached through a counting proxy, for tests that count or break what reaches it.
 * Its public URL (its tokens' `iss`) is the proxy's, so every server given `project` accepts its tokens.
 */
export async function startAuthBehindProxy(
  options: AuthServerOptions = {},
): Promise<{ auth: RunningAuthServer; proxy: CountingProxy; project: StytchProject }> {
  const proxy = await startCountingProxy();
  const auth = await startAuth({ ...options, publicUrl: proxy.url });
  proxy.setTarget(auth.url);
  return { auth, proxy, project: projectOf(auth, proxy.url) };
}

// The wallet- and payment-server load on first use, so a suite of the auth-server alone never loads
// them (each test file loads its modules afresh: 0.15 s of CPU a file saved). require, not import():
// jest runs import() only with --experimental-vm-modules.
/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use */
const walletServer = () => require('@m2m/wallet-server') as typeof import('@m2m/wallet-server');
const paymentServer = () => require('@m2m/payment-server') as typeof import('@m2m/payment-server');
/* eslint-enable @typescript-eslint/no-require-imports */

export function startWallet(
  auth: AuthProject,
  options: Partial<WalletServerOptions> & { logger?: Logger } = {},
): Promise<RunningWalletServer> {
  return walletServer().startWalletServer({ port: 0, stytchProject: projectOf(auth), ...options });
}

export const ADMIN_API_KEY = 'suite-admin-key-0123456789abcdefghijklmnopqrstuvwxyz';

/** Where a payment-server started in `dir` keeps its credentials (the name `npm start` gives the file under DATA_DIR). */
export const credentialsFileIn = (dir: string): string => path.join(dir, 'payment-server-credentials.json');

export type PaymentStart = Partial<PaymentServerOptions> & Pick<PaymentServerOptions, 'stytchProject' | 'walletServerUrl'>;

/**
 * A payment-server on an ephemeral port that provisions its own client; every default below can be
 * overridden. Unless `credentialsFile` names one, its credentials file goes to a fresh temp folder,
 * removed when the server closes.
 */
export async function startPayment(options: PaymentStart): Promise<RunningPaymentServer> {
  const { credentialsFile } = options;
  if (credentialsFile !== undefined) return startPaymentWithDefaults({ ...options, credentialsFile });
  const folder = tempDir('payment');
  try {
    const server = await startPaymentWithDefaults({ ...options, credentialsFile: credentialsFileIn(folder.dir) });
    const close = server.close.bind(server);
    return Object.assign(server, { close: () => close().finally(() => folder.remove()) });
  } catch (err) {
    folder.remove();
    throw err;
  }
}

function startPaymentWithDefaults(options: PaymentStart & Pick<PaymentServerOptions, 'credentialsFile'>): Promise<RunningPaymentServer> {
  return paymentServer().startPaymentServer({
    port: 0,
    adminApiKey: ADMIN_API_KEY,
    // These suites send many wrong keys on purpose; the limit itself has its own test.
    adminKeyFailuresPerMinute: 1_000,
    // Load suites pay faster than a caller may; the per-caller limit has its own test.
    paymentsPerMinute: 1_000_000,
    selfProvision: true,
    // Short retries: an outage test should learn "unavailable" in a second, not after 4 slow attempts.
    tokenProvider: { maxAttempts: 2, retryBaseDelayMs: 50, retryMaxDelayMs: 200, requestTimeoutMs: 2_000 },
    // Roomy: the suites share 2 busy cores, where an in-process wallet's fsync can stall for seconds;
    // the tests of the timeout itself pass their own.
    walletTimeoutMs: 10_000,
    ...options,
  });
}

/** The tutorial's two customers, as the wallet seeds them. */
export const JOHN = { customerId: '67uhjio098uhgt6l', walletId: 'oipk9ifgl7yto9w', balance: 1790 };
export const JANE = { customerId: 'plu8iio0t3uhh06h', walletId: 'ui099jlolrrao6g', balance: 970 };

/** Closes what a suite started, in order; what its setup never reached (still undefined) is skipped. */
export async function closeAll(...started: Array<{ close(): unknown } | undefined>): Promise<void> {
  for (const item of started) await item?.close();
}
