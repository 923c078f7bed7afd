import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../test/support/tempDir';
import { ConfigError } from '@m2m/shared';
import { loadWalletServerConfig } from '../src/config';
import { runMain as runWorkspaceMain } from '../../test/support/childServers';
import { freePort } from '../../test/support/freePort';
import { startAuth } from '../../test/support/stack';

const runMain = (env: Record<string, string>) => runWorkspaceMain('wallet-server', env);

describe('wallet-server configuration', () => {
  it('names the variable in one line when a value is bad', () => {
    expect(() => loadWalletServerConfig({ WALLET_SERVER_PORT: 'four thousand' })).toThrow(ConfigError);
    expect(() => loadWalletServerConfig({ WALLET_SERVER_PORT: 'four thousand' })).toThrow(/^WALLET_SERVER_PORT is invalid/);
    expect(() => loadWalletServerConfig({ STYTCH_ENV: 'test' })).toThrow(/^STYTCH_PROJECT_ID is not set/);
  });

  it('defaults to port 4000 and a database under DATA_DIR', () => {
    const dataDir = tempDir('wallet-config').dir;
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

describe('npm run start:prod -w wallet-server (main.ts, built)', () => {
  it('exits 1 with one line naming the bad variable', async () => {
    const run = runMain({ WALLET_SERVER_PORT: '99999' });
    expect(await run.exited).toBe(1);
    expect(run.stderr().trim().split('\n')).toEqual([expect.stringMatching(/^wallet-server: WALLET_SERVER_PORT is invalid \("99999"\)/)]);
  }, 20_000);

  it('serves, then shuts down cleanly on SIGTERM', async () => {
    const auth = await startAuth();
    const dataDir = tempDir('wallet-main').dir;
    const run = runMain({
      WALLET_SERVER_PORT: String(await freePort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      STYTCH_ENV: auth.url,
      STYTCH_PROJECT_ID: auth.projectId,
      STYTCH_SECRET: auth.projectSecret,
    });
    try {
      await run.printed('wallet-server listening');
      const url = /"url":"([^"]+)"[^\n]*wallet-server listening/.exec(run.stdout())![1]!;
      const ready = await fetch(new URL('readyz', url));
      expect(ready.status).toBe(200);
      expect(fs.existsSync(path.join(dataDir, 'wallet-server.db'))).toBe(true);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.stdout()).toContain('shutting down');
      // The log never holds the project secret.
      expect(run.stdout()).not.toContain(auth.projectSecret);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await auth.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
