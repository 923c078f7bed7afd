import { ConfigError, common, parseEnv, stytchMode } from '../src/config';
import { resolveStytchProject, writeLocalProject } from '../src/stytchProject';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../test/support/tempDir';

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = parseEnv(common, {});
    expect(config).toMatchObject({
      STYTCH_ENV: 'local',
      AUTH_SERVER_PORT: 4010,
      WALLET_SERVER_PORT: 4000,
      PAYMENT_SERVER_PORT: 4020,
      DATA_DIR: '.data',
    });
  });

  it('names a malformed variable in one line', () => {
    expect(() => parseEnv(common, { WALLET_SERVER_PORT: 'forty' })).toThrow(ConfigError);
    expect(() => parseEnv(common, { WALLET_SERVER_PORT: 'forty' })).toThrow(/^WALLET_SERVER_PORT is invalid \("forty"\)/);
    expect(() => parseEnv(common, { STYTCH_ENV: 'staging' })).toThrow(/STYTCH_ENV is invalid .*local, test, live/);
  });

  it('TRUST_PROXY: off by default; a hop count or proxy addresses; true and junk refused in one line', () => {
    const trust = (value?: string) => parseEnv({ TRUST_PROXY: common.TRUST_PROXY }, { TRUST_PROXY: value }).TRUST_PROXY;
    expect(trust()).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('1')).toBe(1);
    expect(trust('loopback, 10.0.0.0/8,::1')).toEqual(['loopback', '10.0.0.0/8', '::1']);
    for (const bad of ['true', '0', '11', 'proxy.example', '10.0.0.0/33', 'loopback,']) {
      expect(() => trust(bad)).toThrow(/^TRUST_PROXY is invalid .*hop count/);
    }
  });

  it('never echoes the value of a secret setting', () => {
    const shape = { ADMIN_API_KEY: common.HOST.refine((v) => v.length >= 32, 'must be at least 32 characters') };
    expect(() => parseEnv(shape, { ADMIN_API_KEY: 'hunter2-short' })).toThrow(/^ADMIN_API_KEY is invalid: must be at least 32/);
    expect(() => parseEnv(shape, { ADMIN_API_KEY: 'hunter2-short' })).not.toThrow(/hunter2/);
  });

  it('refuses an auth-server port that fetch (and so the stytch SDK) refuses; the other servers may use one, for curl and Postman', () => {
    expect(() => parseEnv(common, { AUTH_SERVER_PORT: '6000' })).toThrow(
      /^AUTH_SERVER_PORT is invalid \("6000"\): fetch, and so the stytch SDK, refuses this port/,
    );
    expect(parseEnv(common, { AUTH_SERVER_PORT: '6001', PAYMENT_SERVER_PORT: '6000' })).toMatchObject({
      AUTH_SERVER_PORT: 6001,
      PAYMENT_SERVER_PORT: 6000,
    });
  });

  it('treats an empty value as unset', () => {
    expect(parseEnv(common, { AUTH_SERVER_PORT: '' }).AUTH_SERVER_PORT).toBe(4010);
  });

  it('maps STYTCH_ENV to a base URL', () => {
    expect(stytchMode('local')).toEqual({ kind: 'local' });
    expect(stytchMode('test')).toEqual({ kind: 'hosted', baseUrl: 'https://test.stytch.com/' });
    expect(stytchMode('live')).toEqual({ kind: 'hosted', baseUrl: 'https://api.stytch.com/' });
    expect(stytchMode('http://127.0.0.1:9999')).toEqual({ kind: 'hosted', baseUrl: 'http://127.0.0.1:9999/' });
  });

  it('finds the local project in the file the auth-server wrote, and requires credentials for hosted Stytch', () => {
    const dir = tempDir('config').dir;
    const settings = { STYTCH_ENV: 'local', AUTH_SERVER_PORT: 4010, DATA_DIR: dir };
    expect(() => resolveStytchProject(settings)).toThrow(/STYTCH_PROJECT_ID is not set .*npm start/);
    writeLocalProject(dir, { projectId: 'project-test-1', secret: 'secret-1' });
    expect(fs.statSync(path.join(dir, 'stytch-project.json')).mode & 0o777).toBe(0o600);
    expect(resolveStytchProject(settings)).toEqual({ projectId: 'project-test-1', secret: 'secret-1', baseUrl: 'http://127.0.0.1:4010/' });
    expect(() => resolveStytchProject({ ...settings, STYTCH_ENV: 'test' })).toThrow(
      /STYTCH_PROJECT_ID is not set: required when STYTCH_ENV=test/,
    );
  });
});
