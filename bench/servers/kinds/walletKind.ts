import { SqliteWalletStore, startWalletServer, TUTORIAL_WALLETS, type WalletSeed } from '@m2m/wallet-server';
import { createLogger, type StytchProject } from '@m2m/shared';
import { BENCH_LOG_LEVEL, type HostedServer } from '../hosted';

export interface WalletOptions {
  /** A SQLite file (default ':memory:'). */
  databaseFile?: string;
  /** PostgreSQL instead of the SQLite file (WALLET_DATABASE_URL). */
  databaseUrl?: string;
  /** The wallets of a new database; default the tutorial's (with `seedBalance`). */
  seed?: WalletSeed[];
  stytchProject: StytchProject;
  /** Balance (minor units) to give the tutorial's customers, so that long debit runs never hit 409. */
  seedBalance?: number;
}

/** The real wallet-server, as `npm start` runs it. */
export async function startWallet(options: WalletOptions): Promise<HostedServer<{ url: string }>> {
  const wallet = await startWalletServer({
    port: 0,
    host: '127.0.0.1',
    ...(options.databaseFile !== undefined && { databaseFile: options.databaseFile }),
    ...(options.databaseUrl !== undefined && { databaseUrl: options.databaseUrl }),
    stytchProject: options.stytchProject,
    logger: createLogger({ name: 'wallet-server', level: BENCH_LOG_LEVEL }),
    ...(options.seed && { seed: options.seed }),
    ...(options.seedBalance !== undefined &&
      !options.seed && { seed: TUTORIAL_WALLETS.map((wallet) => ({ ...wallet, balance: options.seedBalance ?? wallet.balance })) }),
  });
  return {
    info: { url: wallet.url },
    close: () => wallet.close(),
    // Debits per commit is the group commit's batch size (SQLite's; PostgreSQL commits each debit).
    counters: () => (wallet.wallets instanceof SqliteWalletStore ? { debitCommits: wallet.wallets.debitCommits } : {}),
  };
}
