/** An image's place in a ranked list: its strength for a term, or its score for a query. */
export type Key = { strength: number; seq: number };
/** 'down': best match first, past a cursor; 'up': the matches just better than a cursor, nearest first (a Previous page). */
export type Direction = 'down' | 'up';

/** Above every stored strength (millionths) and seq, and within PostgreSQL's integer: the cursor of a first page. */
export const TOP: Key = { strength: 2 ** 31 - 1, seq: Number.MAX_SAFE_INTEGER };

/** (strength, seq) order, larger first: ties go to the newer upload. */
export const compareKeys = (a: Key, b: Key) => b.strength - a.strength || b.seq - a.seq;

/** The first `n` keys past `from` going `direction`, in that order: what an index range would give. */
export function pastKey(keys: Iterable<Key>, from: Key, n: number, direction: Direction): Key[] {
  const sign = direction === 'down' ? 1 : -1;
  return [...keys].filter((k) => sign * compareKeys(from, k) < 0).sort((a, b) => sign * compareKeys(a, b)).slice(0, n);
}
