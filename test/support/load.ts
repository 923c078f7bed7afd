/**
 * A small open-loop load: `fire` is called `ratePerSecond` times a second for `durationMs`
 * (without waiting for earlier calls), and every outcome is kept. The suites assert outcomes
 * (how many failed, and how), never latencies.
 */
export interface LoadOutcome<T> {
  index: number;
  ok: boolean;
  value?: T;
  error?: string;
}

export async function runLoad<T>(
  { ratePerSecond, durationMs }: { ratePerSecond: number; durationMs: number },
  fire: (index: number) => Promise<{ ok: boolean; value?: T; error?: string }>,
): Promise<LoadOutcome<T>[]> {
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  const intervalMs = 1000 / ratePerSecond;
  const started = Date.now();
  const pending: Promise<LoadOutcome<T>>[] = [];
  for (let index = 0; index < total; index++) {
    const due = started + index * intervalMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      fire(index).then(
        (outcome) => ({ index, ...outcome }),
        (err: unknown) => ({ index, ok: false, error: err instanceof Error ? err.message : String(err) }),
      ),
    );
  }
  return Promise.all(pending);
}

/** The failures, summarised for an assertion message: "status code: count". */
export function failureSummary<T>(outcomes: LoadOutcome<T>[]): Record<string, number> {
  const summary: Record<string, number> = {};
  for (const outcome of outcomes) {
    if (outcome.ok) continue;
    const key = outcome.error ?? 'failed';
    summary[key] = (summary[key] ?? 0) + 1;
  }
  return summary;
}

/** A closed-loop load: `fire(0)` … `fire(total - 1)`, at most `concurrency` at a time; the results in index order. */
export async function runConcurrently<T>(total: number, concurrency: number, fire: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      results[index] = await fire(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return results;
}
