/** The four ways scenario 1 guards the same handler (guards.ts builds them, in the server's process). */
export const GUARD_VARIANTS = ['unguarded', 'cached', 'uncached', 'tutorial'] as const;
export type GuardVariant = (typeof GUARD_VARIANTS)[number];

export const GUARD_LABELS: Record<GuardVariant, string> = {
  unguarded: 'no guard',
  cached: 'authorizeToken, warm verified-token cache',
  uncached: 'authorizeToken, cache off (SDK verify per request)',
  tutorial: 'tutorial middleware (SDK call + console.log)',
};
