/**
 * The servers the bench runs, each in its own process (serverHost.ts). Loaded lazily, so that a
 * scenario needs only the workspaces it uses. Options and info are plain JSON: they cross the IPC channel.
 */
export const kinds = {
  auth: () => import('./kinds/authKind.js').then((m) => m.authKind),
  wallet: () => import('./kinds/walletKind.js').then((m) => m.walletKind),
  payment: () => import('./kinds/paymentKind.js').then((m) => m.paymentKind),
  walletVariant: () => import('./kinds/walletVariantKind.js').then((m) => m.walletVariantKind),
  tutorialPayment: () => import('./kinds/tutorialPaymentKind.js').then((m) => m.tutorialPaymentKind),
  cacheProbe: () => import('./kinds/cacheProbeKind.js').then((m) => m.cacheProbeKind),
  revocationProbe: () => import('./kinds/revocationProbeKind.js').then((m) => m.revocationProbeKind),
};

export type KindName = keyof typeof kinds;
export type KindOf<K extends KindName> = Awaited<ReturnType<(typeof kinds)[K]>>;
