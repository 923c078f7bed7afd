import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, MIN_METRICS_TOKEN_LENGTH } from '../config';
import { writeFileAtomic } from '../files';

export function metricsTokenFile(dataDir: string): string {
  return path.join(dataDir, 'metrics-token');
}

/**
 * METRICS_TOKEN when set. Otherwise, in local mode only, the token in DATA_DIR/metrics-token,
 * generated (256 random bits, 0600) by the first server to start and read by the others. Outside
 * local mode, unset means /metrics is not served.
 */
export function resolveMetricsToken({ configured, local, dataDir }: { configured: string | undefined; local: boolean; dataDir: string }): {
  token: string | undefined;
  file?: string;
} {
  if (configured !== undefined) return { token: configured };
  if (!local) return { token: undefined };
  const file = metricsTokenFile(dataDir);
  const stored = readToken(file);
  if (stored !== undefined) return { token: stored, file };
  const token = randomBytes(32).toString('base64url');
  // Written aside then linked into place: link never replaces a file, so of two servers starting at once one token wins.
  const aside = `${file}.${randomBytes(6).toString('hex')}.new`;
  writeFileAtomic(aside, `${token}\n`, 0o600);
  try {
    fs.linkSync(aside, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.rmSync(aside, { force: true });
  }
  return { token: readToken(file) ?? token, file };
}

function readToken(file: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`${file} can't be read: ${(err as Error).message}`);
  }
  if (text.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new ConfigError(`${file} holds no metrics token of at least ${MIN_METRICS_TOKEN_LENGTH} characters: fix or remove it`);
  }
  return text;
}
