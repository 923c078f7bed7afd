export { createPaymentApp, type PaymentAppDeps } from './app';
export { loadPaymentServerConfig, paymentServerEnv, type PaymentServerConfig } from './config';
export { startPaymentServer, type PaymentServerOptions, type RunningPaymentServer } from './server';
export {
  TokenProvider,
  normalizeScopes,
  type ClientCredentials,
  type TokenEndpoint,
  type TokenProviderLogger,
  type TokenProviderOptions,
  type TokenProviderStats,
  type TokenProviderTuning,
} from './m2m/tokenProvider';
export { TokenUnavailableError, type TokenFailureReason } from './m2m/tokenErrors';
export { WalletClient, type CallContext, type DebitResult, type WalletClientOptions } from './wallet/walletClient';
export { WalletError, type WalletAnswer, type WalletFailureReason } from './wallet/walletErrors';
export { CredentialsFile, type StoredCredentials } from './credentials/credentialsFile';
export { SecretRotation, type RotationView } from './credentials/secretRotation';
export { PAYMENT_CLIENT_NAME, PAYMENT_CLIENT_SCOPES } from './credentials/loadCredentials';
export { resolveAdminKey, adminKeyFile, MIN_ADMIN_KEY_LENGTH } from './admin/adminKey';
export { PaymentRequest, type PaymentResponse } from './payments/paymentRoutes';
export { walletIdempotencyKey } from './payments/callerIdempotencyKey';
export { DEFAULT_PAYMENTS_PER_MINUTE, paymentRateLimit } from './payments/paymentRateLimit';
export { DEMO_CALLER_NAME, DEMO_CALLER_SCOPES, ensureDemoCaller } from './credentials/demoCaller';
