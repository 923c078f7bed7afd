import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * jest's global setup: `npm run build` before any test file runs. The suites that need a server
 * as a real process (kill -9, exit codes, what it prints) run its production build, `node
 * <server>/dist/main.js`, as production does; this keeps that build in step with the source.
 * tsc -b is incremental: with nothing changed it takes under a second, from clean about two.
 */
export default function buildServers(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: path.resolve(__dirname, '..', '..'), stdio: 'inherit' });
}
