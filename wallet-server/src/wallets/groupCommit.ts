import type { SqliteDatabase } from '@m2m/shared';

export interface GroupCommitOptions {
  /** The most units of work one transaction runs (it bounds how long one commit holds the event loop). Default 64. */
  maxBatchSize?: number;
}

interface Queued {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs synchronous units of database work in shared transactions: work queued in one turn of the
 * event loop (and while the previous commit held it) runs in one BEGIN IMMEDIATE … COMMIT, in
 * arrival order, each inside its own SAVEPOINT. A promise settles only after the COMMIT returned,
 * so with synchronous=FULL whatever it reports is on disk; if the COMMIT fails, every promise of the
 * batch rejects and nothing of it was written.
 */
export class GroupCommit {
  private readonly maxBatchSize: number;
  private readonly statements;
  private queue: Queued[] = [];
  private scheduled = false;
  private committed = 0;

  constructor(
    private readonly db: SqliteDatabase,
    options: GroupCommitOptions = {},
  ) {
    const { maxBatchSize = 64 } = options;
    if (!Number.isSafeInteger(maxBatchSize) || maxBatchSize < 1) {
      throw new TypeError(`maxBatchSize: must be a positive integer, got ${String(maxBatchSize)}`);
    }
    this.maxBatchSize = maxBatchSize;
    this.statements = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT unit'),
      release: db.prepare('RELEASE unit'),
      rollbackTo: db.prepare('ROLLBACK TO unit'),
    };
  }

  /**
   * Queues `work` for the next transaction. It resolves with what `work` returned once that
   * transaction is committed; if `work` throws, only its own changes are rolled back and only its
   * promise rejects.
   */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Transactions committed so far (one per batch): for tests and metrics. */
  get commits(): number {
    return this.committed;
  }

  /** Commits everything queued, now (before the database is closed, so no queued work is dropped). */
  flush(): void {
    while (this.queue.length > 0) this.commitBatch();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: the requests already read in this turn of the loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      try {
        this.commitBatch();
      } finally {
        // Over the bound: the rest goes in the next turn, after the loop has served I/O.
        if (this.queue.length > 0) this.schedule();
      }
    });
  }

  private commitBatch(): void {
    const batch = this.queue.splice(0, this.maxBatchSize);
    if (batch.length === 0) return;
    let settled: { queued: Queued; outcome: Settled }[];
    try {
      this.statements.begin.run();
      settled = batch.map((queued) => ({ queued, outcome: this.runInSavepoint(queued.work) }));
      this.statements.commit.run();
    } catch (error) {
      try {
        if (this.db.inTransaction) this.statements.rollback.run();
      } finally {
        for (const queued of batch) queued.reject(error);
      }
      return;
    }
    this.committed++;
    for (const { queued, outcome } of settled) {
      if (outcome.ok) queued.resolve(outcome.value);
      else queued.reject(outcome.error);
    }
  }

  private runInSavepoint(work: () => unknown): Settled {
    this.statements.savepoint.run();
    try {
      const value = work();
      this.statements.release.run();
      return { ok: true, value };
    } catch (error) {
      // Some errors (SQLITE_FULL, SQLITE_IOERR, a trigger's RAISE(ROLLBACK)) end the whole
      // transaction: the work before this one is undone too, so the whole batch fails. Going on
      // would run the rest of the batch in autocommit mode, outside any shared transaction.
      if (!this.db.inTransaction) throw error;
      this.statements.rollbackTo.run();
      this.statements.release.run();
      return { ok: false, error };
    }
  }
}
