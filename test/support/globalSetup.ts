import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createSigningKeyPool } from './signingKeys';

/**
 * jest's global setup, before any test file runs, both at once:
 * - `npm run build`. The suites that need a server as a real process (kill -9, exit codes, what it
 *   prints) run its production build, `node <server>/dist/main.js`, as production does; this keeps
 *   that build in step with the source. tsc -b is incremental: with nothing changed it takes under
 *   a second, from clean about two.
 * - the run's pool of signing keys for in-process auth-servers (signingKeys.ts; globalTeardown.ts
 *   removes it).
 */
export default async function globalSetup(): Promise<void> {
  const build = promisify(execFile)('npm', ['run', '--silent', 'build'], { cwd: path.resolve(__dirname, '..', '..') }).catch(
    (err: unknown) => {
      const { stdout = '', stderr = String(err) } = err as { stdout?: string; stderr?: string };
      throw new Error(`npm run build failed:\n${stdout}${stderr}`);
    },
  );
  await Promise.all([build, createSigningKeyPool()]);
}
