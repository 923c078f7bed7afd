import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ServiceError } from './errors';

export type SqliteDatabase = Database.Database;

export class DatabaseError extends ServiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('database_unusable', message, options);
  }
}

/**
 * Opens (or creates) a SQLite file for a server's state. WAL with synchronous=FULL: a committed
 * transaction survives a crash, and a crash mid-transaction leaves the previous state.
 * A file that is not a healthy SQLite database stops start-up; it is never replaced.
 */
export function openDatabase(file: string, schema: string): SqliteDatabase {
  if (file !== ':memory:') {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // State holds secrets and keys: owner-only. SQLite gives its -wal and -shm files the same mode.
    fs.closeSync(fs.openSync(file, 'a', 0o600));
  }
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(file, { timeout: 5_000 });
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check failed: ${String(check)}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.exec(schema);
    return db;
  } catch (err) {
    db?.close();
    throw new DatabaseError(
      `${file} is not a usable SQLite database (${(err as Error).message}); it was left untouched: restore it, or move it away to start with empty state`,
      { cause: err },
    );
  }
}
