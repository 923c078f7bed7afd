import { createPrivateKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRsaSigningKey } from '../../auth-server/src/tokens/keyRing';

/**
 * Pre-generated RSA signing keys for the suites' in-process auth-servers. A suite run starts over a
 * hundred of them, each making two keys, and an RSA 2048 key costs 0.1 to 0.5 s of CPU (the prime
 * search): some 35 s of a run's 230 s of CPU. jest's global setup makes a small pool once per run;
 * the servers take its keys in turn through `generateSigningKey`, and each key still gets a kid of its
 * own. Key generation itself stays tested where it runs in production: the KeyRing's own test, and
 * every server started as a process (`npm start`, dist/main.js).
 */

/** Names the pool's file to the workers, which inherit the environment of jest's global setup. */
const POOL_FILE_VARIABLE = 'M2M_TEST_SIGNING_KEY_POOL';
const POOL_SIZE = 12;

/** jest's global setup: generates the pool with the auth-server's own generator (on the thread pool, both cores). */
export async function createSigningKeyPool(): Promise<void> {
  const keys = await Promise.all(Array.from({ length: POOL_SIZE }, generateRsaSigningKey));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-signing-keys-'));
  const file = path.join(dir, 'keys.json');
  fs.writeFileSync(file, JSON.stringify(keys.map((key) => key.export({ format: 'pem', type: 'pkcs8' }))), { mode: 0o600 });
  process.env[POOL_FILE_VARIABLE] = file;
}

/** jest's global teardown. */
export function removeSigningKeyPool(): void {
  const file = process.env[POOL_FILE_VARIABLE];
  if (file !== undefined) fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

let pool: KeyObject[] | undefined;
let turn = 0;

/**
 * A `generateSigningKey` handing out the run's pool in turn, from a random start; undefined when no
 * pool was made (a test file run outside jest's global setup), so the server generates its own.
 */
export function pooledSigningKeys(): (() => Promise<KeyObject>) | undefined {
  const file = process.env[POOL_FILE_VARIABLE];
  if (file === undefined) return undefined;
  if (!pool) {
    pool = (JSON.parse(fs.readFileSync(file, 'utf8')) as string[]).map((pem) => createPrivateKey(pem));
    turn = Math.floor(Math.random() * pool.length);
  }
  const keys = pool;
  return () => Promise.resolve(keys[turn++ % keys.length]!);
}
