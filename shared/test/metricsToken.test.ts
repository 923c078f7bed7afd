import fs from 'node:fs';
import { tempDir } from '../../test/support/stack';
import { ConfigError, common, parseEnv } from '../src/config';
import { metricsTokenFile, resolveMetricsToken } from '../src/metrics/metricsToken';

describe('METRICS_TOKEN', () => {
  const data = tempDir('metrics-token');
  afterAll(() => {
    data.remove();
  });

  it('is refused at start-up when shorter than 32 characters, in one line that never shows it', () => {
    const parse = (value: string) => parseEnv({ METRICS_TOKEN: common.METRICS_TOKEN }, { METRICS_TOKEN: value });
    expect(() => parse('short-secret')).toThrow(ConfigError);
    expect(() => parse('short-secret')).toThrow(/^METRICS_TOKEN is invalid: must be at least 32 characters/);
    expect(() => parse('short-secret')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('short-secret') as unknown }) as Error,
    );
    expect(parse('x'.repeat(32)).METRICS_TOKEN).toBe('x'.repeat(32));
  });

  it('wins when set, and writes no file', () => {
    const configured = 'configured-metrics-token-0123456789abcdef';
    expect(resolveMetricsToken({ configured, local: true, dataDir: data.dir })).toEqual({ token: configured });
    expect(fs.existsSync(metricsTokenFile(data.dir))).toBe(false);
  });

  it('outside local mode, unset means no token: /metrics is not served', () => {
    expect(resolveMetricsToken({ configured: undefined, local: false, dataDir: data.dir })).toEqual({ token: undefined });
    expect(fs.existsSync(metricsTokenFile(data.dir))).toBe(false);
  });

  it('in local mode, is generated once into DATA_DIR/metrics-token (0600) and read by every later start', () => {
    const first = resolveMetricsToken({ configured: undefined, local: true, dataDir: data.dir });
    const file = metricsTokenFile(data.dir);
    expect(first.file).toBe(file);
    expect(first.token).toMatch(/^[\w-]{43}$/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${first.token}\n`);
    expect(resolveMetricsToken({ configured: undefined, local: true, dataDir: data.dir })).toEqual(first);
    // Nothing left beside it (the token is written aside, then linked into place).
    expect(fs.readdirSync(data.dir)).toEqual(['metrics-token']);
  });

  it('stops start-up, naming the file, when the stored token is too short (a file edited by hand)', () => {
    const edited = tempDir('metrics-token-edited');
    try {
      fs.writeFileSync(metricsTokenFile(edited.dir), 'abc\n');
      expect(() => resolveMetricsToken({ configured: undefined, local: true, dataDir: edited.dir })).toThrow(
        new ConfigError(`${metricsTokenFile(edited.dir)} holds no metrics token of at least 32 characters: fix or remove it`),
      );
      expect(fs.readFileSync(metricsTokenFile(edited.dir), 'utf8')).toBe('abc\n');
    } finally {
      edited.remove();
    }
  });
});
