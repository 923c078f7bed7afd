import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from './config';

/**
 * Writes a file so that a reader (or a restart after a crash) sees the old content or the
 * new one, never a torn mix: write a temp file, fsync it, rename it over the target, fsync the folder.
 */
export function writeFileAtomic(file: string, data: string, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w', mode);
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    // The temp file may hold a secret: never leave it behind (a full disk, say).
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

/**
 * Reads a JSON file of our own state; `undefined` when it does not exist, a ConfigError naming the
 * file when it is unreadable (start-up stops with that one line; the file is never overwritten).
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- callers name the shape of the file they wrote; those who don't trust it pass unknown and validate
export function readJsonFile<T>(file: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`${file} can't be read: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON; it was left untouched (fix or remove it)`, { cause: err });
  }
}
