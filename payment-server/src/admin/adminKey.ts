import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, writeFileAtomic } from '@m2m/shared';

export const MIN_ADMIN_KEY_LENGTH = 32;

export interface AdminKey {
  key: string;
  /** Where it is stored when it came from (or went to) a file. */
  file?: string;
  generated: boolean;
}

export function adminKeyFile(dataDir: string): string {
  return path.join(dataDir, 'payment-server-admin-key');
}

/** Refuses a key too short to resist guessing. The message never contains the key. */
export function assertAdminKey(key: string, source = 'ADMIN_API_KEY'): void {
  if (key.length < MIN_ADMIN_KEY_LENGTH) {
    throw new ConfigError(
      `${source} is too short (${key.length} characters): use at least ${MIN_ADMIN_KEY_LENGTH}, e.g. the output of: openssl rand -base64 32`,
    );
  }
}

/**
 * ADMIN_API_KEY when set. Otherwise, in local mode only, the key stored in
 * DATA_DIR/payment-server-admin-key, generated (256 random bits) and stored 0600 on first start.
 * Hosted modes must set it: a generated key nobody has been told about would lock the admin out.
 */
export function resolveAdminKey({
  configured,
  local,
  dataDir,
}: {
  configured?: string | undefined;
  local: boolean;
  dataDir: string;
}): AdminKey {
  if (configured) {
    assertAdminKey(configured);
    return { key: configured, generated: false };
  }
  if (!local) {
    throw new ConfigError(
      `ADMIN_API_KEY is not set: required unless STYTCH_ENV=local (at least ${MIN_ADMIN_KEY_LENGTH} characters, e.g. openssl rand -base64 32)`,
    );
  }
  const file = adminKeyFile(dataDir);
  let stored: string | undefined;
  try {
    stored = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`${file} can't be read: ${(err as Error).message}`);
  }
  if (stored !== undefined) {
    assertAdminKey(stored, file);
    return { key: stored, file, generated: false };
  }
  const key = randomBytes(32).toString('base64url');
  writeFileAtomic(file, `${key}\n`, 0o600);
  return { key, file, generated: true };
}
