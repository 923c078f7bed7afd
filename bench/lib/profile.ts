/** How long and how hard each load runs; the full run takes about 15 minutes on 2 cores (scenario 6 waits out the real revocation windows). */
export interface Profile {
  name: 'full' | 'quick';
  warmupSeconds: number;
  durationSeconds: number;
  /** Compared cases take turns in this many rounds of durationSeconds / rounds each (see interleave.ts). */
  rounds: number;
  /** Fixed for every run, so the runs compare. */
  connections: number;
  /** How long the in-process RS256 signing loop runs. */
  signingMs: number;
  /** Concurrent cold payments in scenario 2 (the figure is 1,000; the count target holds at any size). */
  burstPayments: number;
  /** Distinct valid tokens fed to the wallet's verified-token cache in scenario 5. */
  distinctTokens: number;
  /**
   * The verified-token cache's bound in scenario 5. The full run uses the middleware's default
   * (10,000, what users get); the quick run feeds fewer tokens, so a smaller bound still overflows.
   */
  cacheMaxEntries: number;
  /**
   * Scenario 5 stops feeding tokens after this long (and says how many it fed), so that a machine
   * busier than usual cannot stretch the whole run much.
   */
  feedBudgetSeconds: number;
  /** Scenario 6: revocations timed, each from the change to the first refused request. */
  revocationTrials: number;
  /**
   * Scenario 6's windows: undefined in the full run (the middleware's defaults, 30 s and 60 s,
   * what users get); shorter in the quick run, which only proves the scenario works.
   */
  revocationWindows: { clientStatusMaxAgeSeconds: number; jwksMaxAgeSeconds: number } | undefined;
}

export const PROFILES: Record<Profile['name'], Profile> = {
  full: {
    name: 'full',
    warmupSeconds: 2,
    // Rounds of 5 s: long enough for a round's rate to mean something, still 5 pairs to show the spread.
    durationSeconds: 25,
    rounds: 5,
    connections: 20,
    signingMs: 3000,
    burstPayments: 1000,
    distinctTokens: 100_000,
    cacheMaxEntries: 10_000,
    feedBudgetSeconds: 150,
    revocationTrials: 20,
    revocationWindows: undefined,
  },
  quick: {
    name: 'quick',
    warmupSeconds: 0.5,
    durationSeconds: 2,
    rounds: 2,
    connections: 20,
    signingMs: 500,
    burstPayments: 1000,
    distinctTokens: 3_000,
    cacheMaxEntries: 1_000,
    feedBudgetSeconds: 30,
    revocationTrials: 3,
    revocationWindows: { clientStatusMaxAgeSeconds: 2, jwksMaxAgeSeconds: 3 },
  },
};
