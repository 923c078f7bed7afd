/** The ways scenario 1 guards the same handler (guards.ts builds them, in the server's process). */
export const GUARD_VARIANTS = [
  'unguarded',
  'emptyMiddleware',
  'cached',
  'cycleBoundPlusOne',
  'cycleTenTimesBound',
  'uncached',
  'auth0',
  'tutorial',
  'tutorialQuiet',
] as const;
export type GuardVariant = (typeof GUARD_VARIANTS)[number];

/** The verified-token cache's bound in the two cycling variants: small, so that bound + 1 and 10 × bound real tokens are quick to issue. */
export const CYCLE_BOUND = 64;

export const GUARD_LABELS: Record<GuardVariant, string> = {
  unguarded: 'no guard',
  emptyMiddleware: 'an async middleware that only calls next() (the floor of any guard)',
  cached: 'authorizeToken, warm verified-token cache',
  cycleBoundPlusOne: `authorizeToken, ${CYCLE_BOUND + 1} tokens cycling through a cache of ${CYCLE_BOUND} (bound + 1)`,
  cycleTenTimesBound: `authorizeToken, ${CYCLE_BOUND * 10} tokens cycling through a cache of ${CYCLE_BOUND} (10 × bound)`,
  uncached: 'authorizeToken, cache off (SDK verify per request)',
  auth0: "Auth0's express-oauth2-jwt-bearer (same token, same JWKS)",
  tutorial: 'tutorial middleware (SDK call + console.log)',
  tutorialQuiet: 'tutorial middleware without its console.log',
};

/** How many distinct tokens each variant's load rotates through; the others share the scenario's pool. */
export const TOKENS_OF: Partial<Record<GuardVariant, number>> = {
  cycleBoundPlusOne: CYCLE_BOUND + 1,
  cycleTenTimesBound: CYCLE_BOUND * 10,
};
