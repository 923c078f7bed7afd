import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer } from 'node:net';
import { ConfigError } from '@m2m/shared';
import { loadWalletServerConfig } from '../src/config';
import { startAuth } from '../../test/support/stack';

const workspace = path.resolve(__dirname, '..');
const main = path.join(workspace, 'src', 'main.ts');
// tsx's loader by absolute URL, since the child runs in an empty folder (so that no .env is found).
const tsxLoader = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;

function runMain(env: Record<string, string>) {
  // Only what is given: no .env from the repository root, no variables from the test's shell.
  const child = spawn(process.execPath, ['--conditions=@m2m/source', '--import', tsxLoader, main], {
    cwd: fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-main-cwd-')),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** A port nothing listens on right now (WALLET_SERVER_PORT must be 1-65535, so not 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('wallet-server configuration', () => {
  it('names the variable in one line when a value is bad', () => {
    expect(() => loadWalletServerConfig({ WALLET_SERVER_PORT: 'four thousand' })).toThrow(ConfigError);
    expect(() => loadWalletServerConfig({ WALLET_SERVER_PORT: 'four thousand' })).toThrow(/^WALLET_SERVER_PORT is invalid/);
    expect(() => loadWalletServerConfig({ STYTCH_ENV: 'test' })).toThrow(/^STYTCH_PROJECT_ID is not set/);
  });

  it('defaults to port 4000 and a database under DATA_DIR', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-config-'));
    const config = loadWalletServerConfig({
      DATA_DIR: dataDir,
      STYTCH_ENV: 'http://127.0.0.1:4999',
      STYTCH_PROJECT_ID: 'p',
      STYTCH_SECRET: 's',
    });
    expect(config.port).toBe(4000);
    expect(config.databaseFile).toBe(path.join(dataDir, 'wallet-server.db'));
    expect(config.stytchProject).toEqual({ projectId: 'p', secret: 's', baseUrl: 'http://127.0.0.1:4999/' });
    expect([config.clientStatusMaxAgeSeconds, config.jwksMaxAgeSeconds, config.clientStatusStaleSeconds]).toEqual([30, 60, 300]);
  });

  it('reads the revocation windows, and refuses a window of 0', () => {
    const env = { STYTCH_ENV: 'http://127.0.0.1:4999', STYTCH_PROJECT_ID: 'p', STYTCH_SECRET: 's' };
    const config = loadWalletServerConfig({
      ...env,
      CLIENT_STATUS_MAX_AGE_SECONDS: '5',
      JWKS_MAX_AGE_SECONDS: '10',
      CLIENT_STATUS_STALE_SECONDS: '0',
    });
    expect([config.clientStatusMaxAgeSeconds, config.jwksMaxAgeSeconds, config.clientStatusStaleSeconds]).toEqual([5, 10, 0]);
    expect(() => loadWalletServerConfig({ ...env, CLIENT_STATUS_MAX_AGE_SECONDS: '0' })).toThrow(
      /^CLIENT_STATUS_MAX_AGE_SECONDS is invalid/,
    );
    expect(() => loadWalletServerConfig({ ...env, JWKS_MAX_AGE_SECONDS: 'soon' })).toThrow(/^JWKS_MAX_AGE_SECONDS is invalid/);
  });
});

describe('npm start -w wallet-server (src/main.ts)', () => {
  it('exits 1 with one line naming the bad variable', async () => {
    const run = runMain({ WALLET_SERVER_PORT: '99999' });
    expect(await run.exited).toBe(1);
    expect(run.output().stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^wallet-server: WALLET_SERVER_PORT is invalid \("99999"\)/),
    ]);
  }, 20_000);

  it('serves, then shuts down cleanly on SIGTERM', async () => {
    const auth = await startAuth();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-main-'));
    const run = runMain({
      WALLET_SERVER_PORT: String(await freePort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      STYTCH_ENV: auth.url,
      STYTCH_PROJECT_ID: auth.projectId,
      STYTCH_SECRET: auth.projectSecret,
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const match = /"url":"([^"]+)"[^\n]*wallet-server listening/.exec(run.output().stdout);
          if (match) {
            clearInterval(timer);
            resolve(match[1]!);
          }
        }, 50);
        void run.exited.then((code) => {
          clearInterval(timer);
          reject(new Error(`exited with ${code}: ${run.output().stderr}`));
        });
      });
      const ready = await fetch(new URL('readyz', url));
      expect(ready.status).toBe(200);
      expect(fs.existsSync(path.join(dataDir, 'wallet-server.db'))).toBe(true);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.output().stdout).toContain('shutting down');
      // The log never holds the project secret.
      expect(run.output().stdout).not.toContain(auth.projectSecret);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await auth.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
