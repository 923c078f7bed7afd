import { spawnSync } from 'node:child_process';
import path from 'node:path';

// `npm start` runs the launcher before any server: it reads the settings and spawns the servers, so it
// loads none of their code (express, the Stytch SDK, prom-client, SQLite), only @m2m/shared's light
// entry points (config, contracts, files, lifecycle). Half a second of every `npm start`.
const repoRoot = path.resolve(__dirname, '..', '..');

it('loads none of the servers’ dependencies', () => {
  const script = `for (const m of ['main', 'launchStack', 'banner']) require('./launcher/src/' + m + '.ts');
    process.stdout.write(JSON.stringify(Object.keys(require.cache)))`;
  const { stdout } = spawnSync(process.execPath, ['--conditions=@m2m/source', '--import', 'tsx', '-e', script], {
    cwd: repoRoot,
    // main.ts runs when loaded: an invalid port makes it stop at the settings, before any server starts.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AUTH_SERVER_PORT: 'none' },
    encoding: 'utf8',
  });
  const loaded = JSON.parse(stdout) as string[];
  expect(loaded.some((file) => file.includes(`${path.sep}launcher${path.sep}src${path.sep}launchStack.ts`))).toBe(true);
  const heavy = loaded.filter((file) =>
    /node_modules[/\\](express|stytch|prom-client|better-sqlite3|pino|@modelcontextprotocol)[/\\]/.test(file),
  );
  expect(heavy).toEqual([]);
});
