import type { Profile } from './profile';

/** RSS of a server process, taken right after the load it served. */
export interface RssSample {
  server: string;
  afterRun: string;
  rssBytes: number;
}

export interface BenchContext {
  profile: Profile;
  /** Scratch space for this run (databases, data dirs); removed at the end. */
  workDir: string;
  log(message: string): void;
  /** Scenarios record their servers' RSS here; scenario 5 reports it. */
  rss: RssSample[];
}

export interface Scenario {
  id: number;
  title: string;
  run(ctx: BenchContext): Promise<import('./result').ScenarioResult>;
}
