/**
 * The wallet store's contract: what the routes use, whichever database holds the wallets. Two
 * implementations: SQLite (sqliteWalletStore.ts, the zero-setting default, one process) and
 * PostgreSQL (postgresWalletStore.ts, WALLET_DATABASE_URL, any number of processes). Both keep the
 * same rules: integer minor units, a balance never below 0 (a CHECK in the database), every change
 * to a balance with its ledger row in the same transaction (a wallet's ledger sums to its balance),
 * and one debit per (calling client, Idempotency-Key), a retry getting the first answer.
 */
import { createHash } from 'node:crypto';
import { ServiceError, type CheckBalanceResponse, type DebitRequest, type DebitResponse } from '@m2m/shared';

export interface Wallet {
  customerId: string;
  customerName: string;
  walletId: string;
  balance: number;
  tenantId: string;
}

/**
 * Whose wallets a caller reaches: a tenant's id (its token's tenant_id claim) reaches that tenant's
 * wallets only; undefined (the platform's own clients) reaches them all. Any other wallet is absent.
 */
export type TenantScope = string | undefined;

/** What a debit did; every outcome but `debited` changed nothing. */
export type DebitOutcome =
  | { status: 'debited'; response: DebitResponse; replayed: boolean }
  | { status: 'unknown_customer' }
  | { status: 'same_wallet' }
  | { status: 'unknown_destination' }
  | { status: 'insufficient_funds' }
  | { status: 'key_reused' };

export interface DebitCommand {
  /** The calling M2M client: idempotency keys are scoped to it, so two clients can't collide. */
  clientId: string;
  idempotencyKey: string;
  request: DebitRequest;
  /** The caller's tenant: both wallets must be its own. */
  tenantId?: TenantScope;
}

export interface WalletStore {
  /** Which database: logged at start-up. */
  readonly backend: 'sqlite' | 'postgres';
  /** The customer's wallet, if `tenantId` may reach it. */
  findByCustomer(customerId: string, tenantId?: TenantScope): Promise<Wallet | undefined>;
  /** The tutorial's check-balance answer; undefined for a customer out of `tenantId`'s reach, as for an unknown one. */
  checkBalance(customerId: string, tenantId?: TenantScope): Promise<CheckBalanceResponse | undefined>;
  /**
   * Moves money from the customer's wallet to another of our wallets, once per idempotency key: the
   * debit and the credit are one transaction, so money is neither created nor lost. A destination
   * we don't hold is refused before anything moves. Resolves once that transaction is committed;
   * rejects if it could not be (DatabaseUnavailableError when the database can't be reached: the
   * caller retries with the same key, which answers the first outcome if it did commit).
   */
  debit(command: DebitCommand): Promise<DebitOutcome>;
  /** The sum of a wallet's ledger entries; equals its balance unless something bypassed the store. */
  ledgerSum(walletId: string): Promise<number>;
  /** A cheap query: false if the database is closed, unreachable or (PostgreSQL) the pool can't serve one. */
  isHealthy(): Promise<boolean>;
  /** Finishes the debits under way, then closes the database. */
  close(): Promise<void>;
}

/** The database can't be reached or gave up in time: a 503 the caller may retry (with the same Idempotency-Key). */
export class DatabaseUnavailableError extends ServiceError {
  constructor(options: { cause?: unknown } = {}) {
    super('database_unavailable', 'The wallet database is unavailable; retry later with the same Idempotency-Key', {
      status: 503,
      expose: true,
      headers: { 'Retry-After': '1' },
      ...options,
    });
  }
}

export const toCheckBalance = (wallet: Wallet | undefined): CheckBalanceResponse | undefined =>
  wallet && { customerName: wallet.customerName, walletId: wallet.walletId, walletBalance: wallet.balance };

/** The same debit, whatever the key order of the JSON it came in: a retry must match it, another body is a reused key. */
export function hashRequest(request: DebitRequest): string {
  const canonical = JSON.stringify([request.customerId, request.amount, request.destinationWalletId]);
  return createHash('sha256').update(canonical).digest('hex');
}
