/** One line of the results table. */
export interface Row {
  scenario: number;
  case: string;
  /** Requests/s, or another rate; undefined when the row is a count. */
  rate?: string;
  p50?: string;
  p99?: string;
  /** Ratio to the scenario's reference, measured in the same run. */
  ratio?: string;
  /** A count or a size (token requests, cache entries, RSS). */
  value?: string;
  /** The target and whether it was met. */
  target?: string;
}

/**
 * A target the bench judges. Only counts fail the run (`judged`): timings on a shared 2-core
 * machine are noise-prone, so a missed timing target is reported, never fatal.
 */
export interface Check {
  name: string;
  passed: boolean;
  judged: boolean;
  detail: string;
}

export interface ScenarioResult {
  scenario: number;
  title: string;
  rows: Row[];
  checks: Check[];
  /** A sentence or two for RESULTS.md: what the figures say. */
  reading: string[];
}
