import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../src/sqlite';
import { tempDir } from '../../test/support/tempDir';

// The durability every SQLite file of the servers relies on. The suites' kill -9 tests prove that an
// acknowledged write survives its process; surviving a power loss rests on these settings.
it('opens state files in WAL mode with synchronous=FULL and foreign keys on, owner-only', () => {
  const file = path.join(tempDir('sqlite').dir, 'state', 'server.db');
  const db = openDatabase(file, 'CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)');
  try {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL: every COMMIT waits for its fsync
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  } finally {
    db.close();
  }
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
});
