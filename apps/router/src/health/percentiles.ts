import type { PercentilesMs } from '@switchyard/contracts';

/** Nearest-rank percentiles (p50/p75/p90/p99) of a list of durations; null when it is empty. Sorts a copy. */
export function percentilesMs(values: readonly number[]): PercentilesMs | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]);
  return { p50: at(50), p75: at(75), p90: at(90), p99: at(99) };
}
