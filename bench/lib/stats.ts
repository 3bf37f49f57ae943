/** Nearest-rank percentile of unsorted samples (p in 0..100). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const median = (samples: number[]) => percentile(samples, 50);
export const mean = (samples: number[]) => samples.reduce((a, b) => a + b, 0) / samples.length;
export const round = (n: number, digits = 1) => Number(n.toFixed(digits));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A seeded generator of integers (an LCG), so each run builds the same library. */
export function seededInts(seed: number) {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed >>> 8);
}
