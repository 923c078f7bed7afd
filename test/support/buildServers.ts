import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * jest's global setup: `npm run build` before any test file runs. The suites that need a server
 * as a real process (kill -9, exit codes, what it prints) run its production build, `node
 * <server>/dist/main.js`, as production does; this keeps that build in step with the source.
 * tsc -b is incremental: a second run with nothing changed takes under a second.
 */
export default function buildServers(): void {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', path.join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: 'inherit',
  });
}
