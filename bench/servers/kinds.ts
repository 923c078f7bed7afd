/**
 * The servers the bench runs, each in its own process (serverHost.ts): name to start function,
 * which gives hostServer its options and info types. Loaded lazily, so that a scenario needs only
 * the workspaces it uses. Options and info are plain JSON: they cross the IPC channel.
 */
export const kinds = {
  auth: () => import('./kinds/authKind.js').then((m) => m.startAuth),
  wallet: () => import('./kinds/walletKind.js').then((m) => m.startWallet),
  payment: () => import('./kinds/paymentKind.js').then((m) => m.startPayment),
  walletVariant: () => import('./kinds/walletVariantKind.js').then((m) => m.startWalletVariant),
  tutorialPayment: () => import('./kinds/tutorialPaymentKind.js').then((m) => m.startTutorialPayment),
  cacheProbe: () => import('./kinds/cacheProbeKind.js').then((m) => m.startCacheProbe),
  oidcProvider: () => import('./kinds/oidcProviderKind.js').then((m) => m.startOidcProvider),
  revocationProbe: () => import('./kinds/revocationProbeKind.js').then((m) => m.startRevocationProbe),
};

export type KindName = keyof typeof kinds;
export type KindOf<K extends KindName> = Awaited<ReturnType<(typeof kinds)[K]>>;
