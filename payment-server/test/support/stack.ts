import type { RunningWalletServer } from '@m2m/wallet-server';
import { PAYMENT_API_SCOPE, SCOPES } from '@m2m/shared';
import { accessToken, createM2MClient, JANE, JOHN, sdk, type AuthProject, type M2MCredentials } from '../../../test/support/stack';
import { at, request as httpRequest, type HttpAnswer } from '../../../test/support/http';

/**
 * What only the payment-server's tests need, on top of the one toolkit (test/support), which starts
 * the servers (startAuth, startWallet, startPayment) and makes clients and tokens.
 */
export {
  claimsOf,
  credentialsFileIn,
  JANE,
  JOHN,
  projectOf,
  sdk,
  startAuth,
  startAuthBehindProxy,
  startPayment,
  startWallet,
  tempDir,
  type M2MCredentials as TestClient,
} from '../../../test/support/stack';
export { LogCapture } from '../../../test/support/logCapture';

/** The admin key of the toolkit's payment-servers. */
export { ADMIN_API_KEY as ADMIN_KEY } from '../../../test/support/stack';
export const PAYMENT_SCOPES = [SCOPES.readUsers, SCOPES.writeWallets];

/** An M2M client of the project (by default the payment-server's own: payment-service, its two scopes). */
export function createClient(auth: AuthProject, scopes: string[] = PAYMENT_SCOPES, name = 'payment-service'): Promise<M2MCredentials> {
  return createM2MClient(sdk(auth), scopes, name);
}

/** A caller of the payment API, made the Stytch way: a write:payments client of the project, and its token. */
export async function createCaller(
  auth: AuthProject,
  name = 'checkout-service',
  scopes: string[] = [PAYMENT_API_SCOPE],
): Promise<M2MCredentials & { token: string }> {
  const client = await createClient(auth, scopes, name);
  return { ...client, token: await accessToken(sdk(auth), client) };
}

/** The header a caller sends /initiate-payment. */
export const bearerHeader = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

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
export function balanceOf(wallet: RunningWalletServer, customerId: string): number {
  return wallet.wallets.findByCustomer(customerId)!.balance;
}
