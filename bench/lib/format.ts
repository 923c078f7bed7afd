import type { LoadResult } from '../load/loadSpec';

export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
export const ms = (n: number): string => (n < 10 ? `${n.toFixed(1)} ms` : n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`);
export const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
export const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** Fails loudly when a load run measured errors instead of the path we meant to measure. */
export function assertClean(label: string, result: LoadResult, allowedStatus: number[] = []): void {
  const unexpected = Object.entries(result.statusCodes).filter(([code]) => !code.startsWith('2') && !allowedStatus.includes(Number(code)));
  if (unexpected.length > 0 || result.errors > 0 || result.requests === 0) {
    throw new Error(
      `${label}: the load run was not clean (status ${JSON.stringify(result.statusCodes)}, errors ${result.errors}, timeouts ${result.timeouts}, requests ${result.requests})`,
    );
  }
}

/**
 * A ratio with its spread over paired rounds: `0.94× [0.88–1.01]`, the whole-run ratio then the
 * lowest and highest of round i of `a` over round i of `b` (interleaved rounds run in the same cycle).
 */
export function ratioWithSpread(a: number, b: number, roundsA: number[] = [], roundsB: number[] = []): string {
  const paired = roundsA.flatMap((r, i) => ((roundsB[i] ?? 0) > 0 ? [r / (roundsB[i] ?? 1)] : []));
  if (paired.length < 2) return ratio(a, b);
  return `${ratio(a, b)} [${Math.min(...paired).toFixed(2)}–${Math.max(...paired).toFixed(2)}]`;
}
