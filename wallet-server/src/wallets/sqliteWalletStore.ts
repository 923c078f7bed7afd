/**
 * The wallets and their ledger, in one SQLite file (WAL, synchronous=FULL).
 *
 * Debits are group-committed. With synchronous=FULL every COMMIT waits for an fsync, and
 * better-sqlite3 runs it on the event loop, so one transaction per debit caps the server at one
 * fsync per debit. Instead, the debits that arrive in the same turn of the event loop (including
 * those whose requests came in while the previous commit held the loop) run in one BEGIN IMMEDIATE
 * transaction, in arrival order, each inside its own SAVEPOINT, then one COMMIT: one fsync for the
 * whole batch (at most `maxBatchSize` debits). Only after that COMMIT does each caller's promise
 * settle, with its own outcome, so an acknowledged debit is on disk exactly as before (it survives
 * kill -9 and power loss).
 *
 * Every debit sees the ones before it in its batch, so a batch answers exactly what the same debits
 * run one after another would: the second use of a key is a replay or a 422, and a balance the
 * first one spent is not there for the second. A refusal writes nothing and is that caller's
 * answer; a debit that throws is rolled back to its savepoint, alone. If the COMMIT itself fails,
 * every debit of the batch fails and none is acknowledged (nothing of the batch was written).
 *
 * The write lock is taken (IMMEDIATE) before any balance is read, so no other writer, thread or
 * process, can debit the same money in between; reads never see a batch half done, since a batch
 * runs without yielding the event loop.
 */
import { randomUUID } from 'node:crypto';
import { DEMO_TENANT_ID, openDatabase, type CheckBalanceResponse, type DebitResponse, type SqliteDatabase } from '@m2m/shared';
import { GroupCommit, type GroupCommitOptions } from './groupCommit';
import { ADD_TENANT_COLUMN, WALLET_SCHEMA } from './sqliteSchema';
import { TUTORIAL_WALLETS, type WalletSeed } from './seed';
import {
  hashRequest,
  toCheckBalance,
  type DebitCommand,
  type DebitOutcome,
  type TenantScope,
  type Wallet,
  type WalletStore,
} from './walletStore';

interface WalletRow {
  wallet_id: string;
  customer_id: string;
  customer_name: string;
  balance: number;
  tenant_id: string;
}

const toWallet = (row: WalletRow): Wallet => ({
  customerId: row.customer_id,
  customerName: row.customer_name,
  walletId: row.wallet_id,
  balance: row.balance,
  tenantId: row.tenant_id,
});

/** The one tenant filter: a null tenant (the platform) matches every wallet. */
const IN_TENANT = '(@tenantId IS NULL OR tenant_id = @tenantId)';
type Lookup = { id: string; tenantId: string | null };

export type SqliteWalletStoreOptions = GroupCommitOptions;

/** The wallets, their ledger and the idempotency records; debits are group-committed (see the top of this file). */
export class SqliteWalletStore implements WalletStore {
  readonly backend = 'sqlite';
  private readonly statements;
  private readonly debits: GroupCommit;

  /** Opens (or creates) the database; the first start seeds `seed` (the tutorial's customers by default). */
  static open(file: string, seed: readonly WalletSeed[] = TUTORIAL_WALLETS, options: SqliteWalletStoreOptions = {}): SqliteWalletStore {
    const db = openDatabase(file, WALLET_SCHEMA);
    try {
      return new SqliteWalletStore(db, seed, options);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  constructor(
    private readonly db: SqliteDatabase,
    seed: readonly WalletSeed[] = TUTORIAL_WALLETS,
    options: SqliteWalletStoreOptions = {},
  ) {
    addTenantColumnIfMissing(db);
    this.debits = new GroupCommit(db, options);
    this.statements = {
      byCustomer: db.prepare<[Lookup], WalletRow>(`SELECT * FROM wallets WHERE customer_id = @id AND ${IN_TENANT}`),
      byWallet: db.prepare<[Lookup], WalletRow>(`SELECT * FROM wallets WHERE wallet_id = @id AND ${IN_TENANT}`),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM wallets'),
      insertWallet: db.prepare('INSERT INTO wallets (wallet_id, customer_id, customer_name, balance, tenant_id) VALUES (?, ?, ?, ?, ?)'),
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

  // Reads are synchronous underneath (better-sqlite3); the contract is async for PostgreSQL's sake.
  findByCustomer(customerId: string, tenantId?: TenantScope): Promise<Wallet | undefined> {
    const row = this.statements.byCustomer.get({ id: customerId, tenantId: tenantId ?? null });
    return Promise.resolve(row && toWallet(row));
  }

  async checkBalance(customerId: string, tenantId?: TenantScope): Promise<CheckBalanceResponse | undefined> {
    return toCheckBalance(await this.findByCustomer(customerId, tenantId));
  }

  /** See WalletStore.debit: resolves once the group commit that ran it is committed. */
  debit(command: DebitCommand): Promise<DebitOutcome> {
    return this.debits.run(() => this.applyDebit(command));
  }

  /** Transactions debits have committed: fewer than the debits when they arrive together (group commit). */
  get debitCommits(): number {
    return this.debits.commits;
  }

  /** One debit, inside the batch's transaction: it sees every debit queued before it. */
  private applyDebit({ clientId, idempotencyKey, request, tenantId }: DebitCommand): DebitOutcome {
    const requestHash = hashRequest(request);
    const previous = this.statements.findDebit.get(clientId, idempotencyKey);
    if (previous) {
      if (previous.request_hash !== requestHash) return { status: 'key_reused' };
      return { status: 'debited', response: JSON.parse(previous.response) as DebitResponse, replayed: true };
    }
    const tenant = tenantId ?? null;
    const source = this.statements.byCustomer.get({ id: request.customerId, tenantId: tenant });
    if (!source) return { status: 'unknown_customer' };
    if (source.wallet_id === request.destinationWalletId) return { status: 'same_wallet' };
    if (!this.statements.byWallet.get({ id: request.destinationWalletId, tenantId: tenant })) return { status: 'unknown_destination' };
    if (source.balance < request.amount) return { status: 'insufficient_funds' };

    const transactionId = randomUUID();
    const now = new Date().toISOString();
    this.statements.addToBalance.run(-request.amount, source.wallet_id);
    this.statements.insertEntry.run(transactionId, source.wallet_id, -request.amount, 'debit', request.destinationWalletId, clientId, now);
    this.statements.addToBalance.run(request.amount, request.destinationWalletId);
    this.statements.insertEntry.run(transactionId, request.destinationWalletId, request.amount, 'credit', source.wallet_id, clientId, now);
    const response: DebitResponse = { transactionId, walletBalance: source.balance - request.amount };
    this.statements.recordDebit.run(clientId, idempotencyKey, requestHash, JSON.stringify(response), now);
    return { status: 'debited', response, replayed: false };
  }

  ledgerSum(walletId: string): Promise<number> {
    return Promise.resolve(this.statements.ledgerSum.get(walletId)?.total ?? 0);
  }

  isHealthy(): Promise<boolean> {
    try {
      this.statements.count.get();
      return Promise.resolve(true);
    } catch {
      return Promise.resolve(false);
    }
  }

  /** Commits the debits still queued, then closes the database. */
  close(): Promise<void> {
    // The executor is synchronous: a failing flush rejects, and the database is closed either way.
    return new Promise((resolve) => {
      if (!this.db.open) return resolve();
      try {
        this.debits.flush();
      } finally {
        this.db.close();
      }
      resolve();
    });
  }

  private seedOnce(seed: readonly WalletSeed[]): void {
    this.db
      .transaction(() => {
        if ((this.statements.count.get()?.n ?? 0) > 0) return;
        const now = new Date().toISOString();
        for (const wallet of seed) {
          this.statements.insertWallet.run(
            wallet.walletId,
            wallet.customerId,
            wallet.customerName,
            wallet.balance,
            wallet.tenantId ?? DEMO_TENANT_ID,
          );
          if (wallet.balance > 0) {
            this.statements.insertEntry.run(`opening-${wallet.walletId}`, wallet.walletId, wallet.balance, 'opening', null, null, now);
          }
        }
      })
      .immediate();
  }
}

/** A database made before wallets had a tenant gets the column (its wallets are the demo tenant's). */
function addTenantColumnIfMissing(db: SqliteDatabase): void {
  const columns = db.pragma('table_info(wallets)') as { name: string }[];
  if (!columns.some((column) => column.name === 'tenant_id')) db.exec(ADD_TENANT_COLUMN);
}
