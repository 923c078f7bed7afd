import { z } from 'zod';

/**
 * The wallet-server's API, shared by the wallet (which validates requests) and the payment-server
 * (which sends them). Amounts are integers in minor units (cents): never floats for money.
 */
// int() already caps at Number.MAX_SAFE_INTEGER (a second .max() would report the same limit twice).
export const Amount = z.number().int().positive();

/** A customer or wallet id. */
export const Id = z.string().min(1).max(128);

export const CheckBalanceRequest = z.object({ customerId: Id }).strict();
export type CheckBalanceRequest = z.infer<typeof CheckBalanceRequest>;

export interface CheckBalanceResponse {
  customerName: string;
  walletId: string;
  walletBalance: number;
}

export const DebitRequest = z.object({ customerId: Id, amount: Amount, destinationWalletId: Id }).strict();
export type DebitRequest = z.infer<typeof DebitRequest>;

export interface DebitResponse {
  transactionId: string;
  walletBalance: number;
}

/** Idempotency keys: opaque, printable, bounded (as in Stripe's API). */
export const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters');

/** The wallet's scopes (what its RFC 9728 metadata advertises). */
export const SCOPES = { readUsers: 'read:users', writeWallets: 'write:wallets' } as const;

/** The payment API's scope: a caller of POST /initiate-payment needs a token carrying it. */
export const PAYMENT_API_SCOPE = 'write:payments';

/** In local mode, the demo caller's credentials (DATA_DIR/…): written by the payment-server, read by the npm start banner's command. */
export const DEMO_CALLER_FILE = 'demo-caller-credentials.json';
