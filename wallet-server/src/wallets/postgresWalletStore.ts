/**
 * The wallets and their ledger on PostgreSQL (node-postgres, pooled), for any number of
 * wallet-server processes on one database. Same contract and answers as the SQLite store.
 *
 * Concurrency: row locks, not SERIALIZABLE. A debit's transaction (READ COMMITTED) first locks the
 * payer's and the payee's wallet rows with one SELECT ... ORDER BY wallet_id FOR UPDATE: every
 * debit takes its locks in the same order (wallet_id), so two debits between the same wallets in
 * opposite directions queue instead of deadlocking. With the locks held it reads the idempotency
 * record and the balance, and writes. Why not SERIALIZABLE with retry: payments pile onto a few
 * hot wallets (a merchant's), and there serializable transactions mostly abort and run again,
 * while row locks let them wait their turn: the throughput of one row either way, without the
 * wasted work and the retry budget. The one race left is a key used concurrently for different
 * wallets (nothing to queue on): the loser's insert of the idempotency record hits the primary key
 * once the winner commits, and its whole transaction runs again, then answering the winner's
 * outcome (a replay) or key_reused.
 *
 * Nothing waits forever: statement_timeout (server side, lock waits included) and query_timeout
 * (client side, a silent network) bound every statement, connectionTimeoutMillis bounds the wait
 * for a connection; a failure to reach the database rejects with DatabaseUnavailableError (503).
 */
import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { DatabaseError, urlWithoutPassword, type CheckBalanceResponse, type DebitResponse, type Logger } from '@m2m/shared';
import { migrateAndSeed } from './postgresMigrations';
import { isDatabaseUnavailable, isRetryable, isSameKeyRace, serverAnswered } from './postgresErrors';
import { TUTORIAL_WALLETS, type WalletSeed } from './seed';
import {
  DatabaseUnavailableError,
  hashRequest,
  toCheckBalance,
  type DebitCommand,
  type DebitOutcome,
  type TenantScope,
  type Wallet,
  type WalletStore,
} from './walletStore';

export interface PostgresWalletStoreOptions {
  /** Connections this process keeps at most (each debit holds one for its transaction). Default 10. */
  maxConnections?: number;
  /** The most one statement may take, waiting for a row lock included. Default 5000. */
  statementTimeoutMs?: number;
  /** The most a debit waits for a connection (a new one, or a busy pool's next free one). Default 5000. */
  connectTimeoutMs?: number;
  /** Where an idle connection's failure is told (the pool replaces the connection). */
  logger?: Logger;
}

/** A debit runs again this many times at most after losing a race (see the top of this file). */
const MAX_ATTEMPTS = 3;

interface WalletRow {
  wallet_id: string;
  customer_id: string;
  customer_name: string;
  balance: string; // bigint arrives as a string
  tenant_id: string;
}

/** The one tenant rule: undefined (the platform) reaches every wallet, a tenant only its own. */
const inTenant = (row: WalletRow, tenantId: TenantScope): boolean => tenantId === undefined || row.tenant_id === tenantId;

const toWallet = (row: WalletRow): Wallet => ({
  customerId: row.customer_id,
  customerName: row.customer_name,
  walletId: row.wallet_id,
  balance: minorUnits(row.balance),
  tenantId: row.tenant_id,
});

/** A bigint column as a number: exact, since balances are safe integers (amounts are, and money is only moved). */
function minorUnits(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${value} minor units is beyond a safe integer`);
  return n;
}

/** PostgreSQL text can't hold NUL: an id with one names no wallet (and must not reach the server as a 22021 error). */
const impossibleId = (id: string): boolean => id.includes('\u0000');

export class PostgresWalletStore implements WalletStore {
  readonly backend = 'postgres';

  /** Connects, applies the migrations the database lacks and seeds a database without wallets (`seed`, the tutorial's by default). */
  static async open(
    connectionString: string,
    seed: readonly WalletSeed[] = TUTORIAL_WALLETS,
    options: PostgresWalletStoreOptions = {},
  ): Promise<PostgresWalletStore> {
    const { maxConnections = 10, statementTimeoutMs = 5_000, connectTimeoutMs = 5_000, logger } = options;
    const pool = new Pool({
      connectionString,
      max: maxConnections,
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: statementTimeoutMs,
      // The server enforces statement_timeout; this catches a server that stopped answering at all.
      query_timeout: statementTimeoutMs + 1_000,
      // A process that died mid-transaction (kill -9 with its socket left open) holds no lock for long.
      idle_in_transaction_session_timeout: statementTimeoutMs * 2,
      application_name: 'wallet-server',
    });
    // Without a listener an idle connection's error (the server restarting) would crash the process.
    pool.on('error', (err) => logger?.warn({ err: { message: err.message } }, 'wallet database: an idle connection failed'));
    try {
      await migrateAndSeed(pool, seed);
    } catch (err) {
      await pool.end();
      // A refused `localhost` (both ::1 and 127.0.0.1) is an AggregateError without a message: its code says it.
      const { message, code } = err as { message?: string; code?: string };
      const reason = message || code || String(err);
      throw new DatabaseError(
        `WALLET_DATABASE_URL: PostgreSQL at ${urlWithoutPassword(connectionString)} could not be prepared (${reason})`,
        {
          cause: err,
        },
      );
    }
    return new PostgresWalletStore(pool);
  }

  private constructor(private readonly pool: Pool) {}

  async findByCustomer(customerId: string, tenantId?: TenantScope): Promise<Wallet | undefined> {
    if (impossibleId(customerId)) return undefined;
    const [row] = (await this.query('SELECT * FROM wallets WHERE customer_id = $1', [customerId])) as WalletRow[];
    return row && inTenant(row, tenantId) ? toWallet(row) : undefined;
  }

  async checkBalance(customerId: string, tenantId?: TenantScope): Promise<CheckBalanceResponse | undefined> {
    return toCheckBalance(await this.findByCustomer(customerId, tenantId));
  }

  async debit(command: DebitCommand): Promise<DebitOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tryDebit(command);
      } catch (err) {
        if (attempt < MAX_ATTEMPTS && (isSameKeyRace(err) || isRetryable(err))) continue;
        throw isDatabaseUnavailable(err) ? new DatabaseUnavailableError({ cause: err }) : err;
      }
    }
  }

  async ledgerSum(walletId: string): Promise<number> {
    if (impossibleId(walletId)) return 0;
    const [row] = (await this.query('SELECT sum(amount)::bigint AS total FROM ledger_entries WHERE wallet_id = $1', [walletId])) as {
      total: string | null;
    }[];
    return row?.total == null ? 0 : minorUnits(row.total);
  }

  /** Goes through the pool as a request does: false while the pool can't get a connection that answers. */
  async isHealthy(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Waits for the connections in use to be released (the debits under way finish), then closes the pool. */
  async close(): Promise<void> {
    if (this.pool.ended) return;
    await this.pool.end();
  }

  private async tryDebit({ clientId, idempotencyKey, request, tenantId }: DebitCommand): Promise<DebitOutcome> {
    const { customerId, amount, destinationWalletId } = request;
    if (impossibleId(customerId)) return { status: 'unknown_customer' };
    const requestHash = hashRequest(request);
    return this.transaction(async (client) => {
      // Both rows, locked in wallet_id order (ORDER BY runs before FOR UPDATE locks the rows it returns).
      const { rows: locked } = await client.query<WalletRow>(
        'SELECT * FROM wallets WHERE customer_id = $1 OR wallet_id = $2 ORDER BY wallet_id FOR UPDATE',
        [customerId, impossibleId(destinationWalletId) ? null : destinationWalletId],
      );
      // Read after the locks: a debit of the same key that held them has committed, and this statement sees it.
      const { rows: previous } = await client.query<{ request_hash: string; response: DebitResponse }>(
        'SELECT request_hash, response FROM idempotent_debits WHERE client_id = $1 AND idempotency_key = $2',
        [clientId, idempotencyKey],
      );
      if (previous[0]) {
        if (previous[0].request_hash !== requestHash) return { status: 'key_reused' };
        return { status: 'debited', response: previous[0].response, replayed: true };
      }
      // Wallets out of the caller's tenant are as absent as unknown ones.
      const reachable = locked.filter((row) => inTenant(row, tenantId));
      const sourceRow = reachable.find((row) => row.customer_id === customerId);
      if (!sourceRow) return { status: 'unknown_customer' };
      const source = toWallet(sourceRow);
      if (source.walletId === destinationWalletId) return { status: 'same_wallet' };
      if (!reachable.some((row) => row.wallet_id === destinationWalletId)) return { status: 'unknown_destination' };
      if (source.balance < amount) return { status: 'insufficient_funds' };

      const response: DebitResponse = { transactionId: randomUUID(), walletBalance: source.balance - amount };
      // One round trip: both balances, both ledger rows, the idempotency record (its primary key settles a same-key race).
      await client.query(
        `WITH payer AS (
           UPDATE wallets SET balance = balance - $4::bigint WHERE wallet_id = $2
         ), payee AS (
           UPDATE wallets SET balance = balance + $4::bigint WHERE wallet_id = $3
         ), entries AS (
           INSERT INTO ledger_entries (transaction_id, wallet_id, amount, kind, counterparty_wallet_id, client_id)
           VALUES ($1, $2, -$4::bigint, 'debit', $3, $5), ($1, $3, $4::bigint, 'credit', $2, $5)
         )
         INSERT INTO idempotent_debits (client_id, idempotency_key, request_hash, response) VALUES ($5, $6, $7, $8)`,
        [
          response.transactionId,
          source.walletId,
          destinationWalletId,
          amount,
          clientId,
          idempotencyKey,
          requestHash,
          JSON.stringify(response),
        ],
      );
      return { status: 'debited', response, replayed: false };
    });
  }

  /** Runs `work` in one transaction on one pooled connection: COMMIT if it returns, ROLLBACK if it throws. */
  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection that failed (not a server's error answer) is dropped, not returned to the pool.
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      if (serverAnswered(err)) await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError as Error));
      else broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** A query outside a transaction (its rows), an unreachable database a DatabaseUnavailableError. */
  private async query(text: string, values: unknown[]): Promise<unknown[]> {
    try {
      const { rows }: { rows: unknown[] } = await this.pool.query(text, values);
      return rows;
    } catch (err) {
      throw isDatabaseUnavailable(err) ? new DatabaseUnavailableError({ cause: err }) : err;
    }
  }
}
