/**
 * How many images a term matches for a viewer, as last counted. The sizes only choose which term drives a
 * search's join (search-repo.ts, `inEveryTerm`), never what a page holds, so a minute-old size is as good as
 * a new one and the count (an index range per term, most of a ranked search's cost after the join) is
 * skipped. A size of 0 is never kept: it drops the term from the join, which must be right.
 */
export const SIZE_TTL_MS = 60_000;
const SIZES_KEPT = 10_000;

export type TermSizes = { get(viewer: number, term: string): number | undefined; set(viewer: number, term: string, size: number): void };

export function termSizeCache(now: () => number = Date.now): TermSizes {
  const kept = new Map<string, { size: number; until: number }>();
  const key = (viewer: number, term: string) => `${viewer}\u0000${term}`;
  return {
    get(viewer, term) {
      const entry = kept.get(key(viewer, term));
      return entry && entry.until > now() ? entry.size : undefined;
    },
    set(viewer, term, size) {
      const k = key(viewer, term);
      kept.delete(k);
      if (size <= 0) return;
      // The oldest entry goes first (a Map keeps insertion order): a bound, not a policy.
      if (kept.size >= SIZES_KEPT) kept.delete(kept.keys().next().value!);
      kept.set(k, { size, until: now() + SIZE_TTL_MS });
    },
  };
}
