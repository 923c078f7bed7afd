import { createHash, randomUUID } from 'node:crypto';
import { openDatabase, type CheckBalanceResponse, type DebitRequest, type DebitResponse, type SqliteDatabase } from '@m2m/shared';
import { WALLET_SCHEMA } from './schema';
import { TUTORIAL_WALLETS, type WalletSeed } from './seed';

export interface Wallet {
  customerId: string;
  customerName: string;
  walletId: string;
  balance: number;
}

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
}

interface WalletRow {
  wallet_id: string;
  customer_id: string;
  customer_name: string;
  balance: number;
}

const toWallet = (row: WalletRow): Wallet => ({
  customerId: row.customer_id,
  customerName: row.customer_name,
  walletId: row.wallet_id,
  balance: row.balance,
});

/**
 * The wallets and their ledger, in one SQLite file. A debit is one IMMEDIATE transaction: the write
 * lock is taken before the balance is read, so no other writer (thread or process) can debit the
 * same money in between.
 */
export class WalletStore {
  private readonly statements;

  /** Opens (or creates) the database; the first start seeds `seed` (the tutorial's customers by default). */
  static open(file: string, seed: readonly WalletSeed[] = TUTORIAL_WALLETS): WalletStore {
    return new WalletStore(openDatabase(file, WALLET_SCHEMA), seed);
  }

  constructor(
    private readonly db: SqliteDatabase,
    seed: readonly WalletSeed[] = TUTORIAL_WALLETS,
  ) {
    this.statements = {
      byCustomer: db.prepare<[string], WalletRow>('SELECT * FROM wallets WHERE customer_id = ?'),
      byWallet: db.prepare<[string], WalletRow>('SELECT * FROM wallets WHERE wallet_id = ?'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM wallets'),
      insertWallet: db.prepare('INSERT INTO wallets (wallet_id, customer_id, customer_name, balance) VALUES (?, ?, ?, ?)'),
      addToBalance: db.prepare('UPDATE wallets SET balance = balance + ? WHERE wallet_id = ?'),
      insertEntry: db.prepare(
        'INSERT INTO ledger_entries (transaction_id, wallet_id, amount, kind, counterparty_wallet_id, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      ledgerSum: db.prepare<[string], { total: number | null }>('SELECT sum(amount) AS total FROM ledger_entries WHERE wallet_id = ?'),
      findDebit: db.prepare<[string, string], { request_hash: string; response: string }>(
        'SELECT request_hash, response FROM idempotent_debits WHERE client_id = ? AND idempotency_key = ?',
      ),
      recordDebit: db.prepare(
        'INSERT INTO idempotent_debits (client_id, idempotency_key, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
    };
    this.seedOnce(seed);
  }

  findByCustomer(customerId: string): Wallet | undefined {
    const row = this.statements.byCustomer.get(customerId);
    return row && toWallet(row);
  }

  /** The tutorial's check-balance answer. */
  checkBalance(customerId: string): CheckBalanceResponse | undefined {
    const wallet = this.findByCustomer(customerId);
    return wallet && { customerName: wallet.customerName, walletId: wallet.walletId, walletBalance: wallet.balance };
  }

  /**
   * Moves money from the customer's wallet to another of our wallets, once per idempotency key: the
   * debit and the credit are one transaction, so money is neither created nor lost. A destination
   * we don't hold is refused before anything moves (money never leaves for an arbitrary string).
   */
  debit({ clientId, idempotencyKey, request }: DebitCommand): DebitOutcome {
    const run = this.db.transaction((): DebitOutcome => {
      const requestHash = hashRequest(request);
      const previous = this.statements.findDebit.get(clientId, idempotencyKey);
      if (previous) {
        if (previous.request_hash !== requestHash) return { status: 'key_reused' };
        return { status: 'debited', response: JSON.parse(previous.response) as DebitResponse, replayed: true };
      }
      const source = this.statements.byCustomer.get(request.customerId);
      if (!source) return { status: 'unknown_customer' };
      if (source.wallet_id === request.destinationWalletId) return { status: 'same_wallet' };
      if (!this.statements.byWallet.get(request.destinationWalletId)) return { status: 'unknown_destination' };
      if (source.balance < request.amount) return { status: 'insufficient_funds' };

      const transactionId = randomUUID();
      const now = new Date().toISOString();
      this.statements.addToBalance.run(-request.amount, source.wallet_id);
      this.statements.insertEntry.run(
        transactionId,
        source.wallet_id,
        -request.amount,
        'debit',
        request.destinationWalletId,
        clientId,
        now,
      );
      this.statements.addToBalance.run(request.amount, request.destinationWalletId);
      this.statements.insertEntry.run(
        transactionId,
        request.destinationWalletId,
        request.amount,
        'credit',
        source.wallet_id,
        clientId,
        now,
      );
      const response: DebitResponse = { transactionId, walletBalance: source.balance - request.amount };
      this.statements.recordDebit.run(clientId, idempotencyKey, requestHash, JSON.stringify(response), now);
      return { status: 'debited', response, replayed: false };
    });
    return run.immediate();
  }

  /** The sum of a wallet's ledger entries; equals its balance unless something bypassed this class. */
  ledgerSum(walletId: string): number {
    return this.statements.ledgerSum.get(walletId)?.total ?? 0;
  }

  /** A cheap query that fails if the database is closed or unreadable. */
  isHealthy(): boolean {
    try {
      this.statements.count.get();
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private seedOnce(seed: readonly WalletSeed[]): void {
    this.db
      .transaction(() => {
        if ((this.statements.count.get()?.n ?? 0) > 0) return;
        const now = new Date().toISOString();
        for (const wallet of seed) {
          this.statements.insertWallet.run(wallet.walletId, wallet.customerId, wallet.customerName, wallet.balance);
          if (wallet.balance > 0) {
            this.statements.insertEntry.run(`opening-${wallet.walletId}`, wallet.walletId, wallet.balance, 'opening', null, null, now);
          }
        }
      })
      .immediate();
  }
}

/** The same debit, whatever the key order of the JSON it came in. */
function hashRequest(request: DebitRequest): string {
  const canonical = JSON.stringify([request.customerId, request.amount, request.destinationWalletId]);
  return createHash('sha256').update(canonical).digest('hex');
}
