export {
  authorizeToken,
  AuthorizationError,
  extractBearerToken,
  hasScopes,
  type AuthorizeTokenLogger,
  type AuthorizeTokenMiddleware,
  type AuthorizeTokenOptions,
  type M2MIdentity,
} from '@m2m/shared';
export { createWalletApp, type WalletAppDeps, type WalletAuthorizeOptions } from './app';
export { startWalletServer, type RunningWalletServer, type WalletServerOptions } from './server';
export { loadWalletServerConfig, walletServerEnv, type WalletServerConfig } from './config';
export { DatabaseUnavailableError, type DebitCommand, type DebitOutcome, type Wallet, type WalletStore } from './wallets/walletStore';
export { SqliteWalletStore } from './wallets/sqliteWalletStore';
export { PostgresWalletStore, type PostgresWalletStoreOptions } from './wallets/postgresWalletStore';
export { openWalletStore, type WalletDatabase } from './wallets/openWalletStore';
export { TUTORIAL_WALLETS, type WalletSeed } from './wallets/seed';
export { signingKeysProbe, jwksUrl, type SigningKeysProbe } from './signingKeys';
