import type { Logger } from '@m2m/shared';
import { PostgresWalletStore, type PostgresWalletStoreOptions } from './postgresWalletStore';
import type { WalletSeed } from './seed';
import { SqliteWalletStore } from './sqliteWalletStore';
import type { WalletStore } from './walletStore';

export interface WalletDatabase {
  /** A PostgreSQL URL (WALLET_DATABASE_URL): wins over `file`. */
  url?: string | undefined;
  /** A SQLite file, or ':memory:'. */
  file: string;
  seed?: readonly WalletSeed[] | undefined;
  postgres?: PostgresWalletStoreOptions | undefined;
  logger?: Logger | undefined;
}

/** The store a deployment asked for: PostgreSQL when given a URL, else SQLite. */
export async function openWalletStore({ url, file, seed, postgres, logger }: WalletDatabase): Promise<WalletStore> {
  if (url !== undefined) return PostgresWalletStore.open(url, seed, { ...(logger && { logger }), ...postgres });
  return SqliteWalletStore.open(file, seed);
}
