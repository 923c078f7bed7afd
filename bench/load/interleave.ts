import type { Profile } from '../lib/profile';
import type { LoadResult, LoadSpec } from './loadSpec';
import { runLoads } from './runLoad';

/** One case of a comparison: the load to send, without timings (the profile sets those). */
export type CaseSpec = Omit<LoadSpec, 'durationSeconds' | 'warmupSeconds' | 'connections' | 'amount'>;

/**
 * Compares cases fairly on a shared, noisy machine: each case is warmed up once, then the
 * measured time is cut into rounds that take turns (A B C, B C A, ...), so that a burst of
 * background load lands on every case alike instead of on whichever ran at that moment.
 * Per case: requests/s over all its rounds, the median of the rounds' p50 and p99, and each
 * round's requests/s (round i of every case ran in the same cycle, so their ratios pair up).
 */
export async function runInterleaved<Name extends string>(
  cases: Array<{ name: Name; spec: CaseSpec }>,
  profile: Profile,
): Promise<{ results: Map<Name, LoadResult>; sentRequests: Map<Name, number>; roundRates: Map<Name, number[]> }> {
  const roundSeconds = profile.durationSeconds / profile.rounds;
  const schedule: Array<{ name: Name; spec: LoadSpec }> = [];
  for (const c of cases) {
    // Warm-up: the same load, results dropped (JIT, caches, connection set-up).
    schedule.push({
      name: c.name,
      spec: { ...c.spec, connections: profile.connections, durationSeconds: profile.warmupSeconds, warmupSeconds: 0 },
    });
  }
  for (let round = 0; round < profile.rounds; round++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(round + i) % cases.length];
      if (c)
        schedule.push({
          name: c.name,
          spec: { ...c.spec, connections: profile.connections, durationSeconds: roundSeconds, warmupSeconds: 0 },
        });
    }
  }
  const results = await runLoads(schedule.map((s) => s.spec));
  // Every request each case served, warm-up included (to divide a server's CPU time by).
  const sentRequests = new Map<Name, number>();
  results.forEach((result, i) => {
    const name = schedule[i]?.name;
    if (name !== undefined) sentRequests.set(name, (sentRequests.get(name) ?? 0) + result.requests);
  });
  const byCase = new Map<Name, LoadResult[]>();
  results.slice(cases.length).forEach((result, i) => {
    const name = schedule[cases.length + i]?.name;
    if (name !== undefined) byCase.set(name, [...(byCase.get(name) ?? []), result]);
  });
  return {
    results: new Map(cases.map((c) => [c.name, combine(byCase.get(c.name) ?? [])])),
    sentRequests,
    roundRates: new Map(cases.map((c) => [c.name, (byCase.get(c.name) ?? []).map((r) => r.requestsPerSecond)])),
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

function combine(rounds: LoadResult[]): LoadResult {
  const requests = rounds.reduce((n, r) => n + r.requests, 0);
  const durationSeconds = rounds.reduce((n, r) => n + r.durationSeconds, 0);
  const statusCodes: Record<string, number> = {};
  for (const r of rounds) for (const [code, count] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  return {
    requests,
    durationSeconds,
    requestsPerSecond: durationSeconds > 0 ? requests / durationSeconds : 0,
    latencyMs: {
      p50: median(rounds.map((r) => r.latencyMs.p50)),
      p90: median(rounds.map((r) => r.latencyMs.p90)),
      p99: median(rounds.map((r) => r.latencyMs.p99)),
      max: Math.max(0, ...rounds.map((r) => r.latencyMs.max)),
    },
    statusCodes,
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    timeouts: rounds.reduce((n, r) => n + r.timeouts, 0),
    generatorCpuMicros: rounds.reduce((n, r) => n + r.generatorCpuMicros, 0),
  };
}
