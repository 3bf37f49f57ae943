/** An image's place in one term's list (its strength for that term), or in the results (its score). */
export type Key = { strength: number; seq: number };
export type Hit = { seq: number; score: number };
/** 'down': best match first, past a cursor; 'up': the matches just better than a cursor, nearest first (a Newer page). */
export type Direction = 'down' | 'up';

/**
 * The matches of a query's terms: each term's list in strength order, read past a key (exclusive), and the
 * score of any image (the sum of its strengths over every term). `read` gets one key per list and skips the
 * lists whose key is undefined (read to the end), so one round trip reads them all.
 */
export type Matches = {
  lists: number;
  read(from: (Key | undefined)[], n: number, direction: Direction): Promise<Key[][]>;
  score(seqs: number[]): Promise<Map<number, number>>;
};

/** (score, seq) order, larger first: ties go to the newer upload. */
const compare = (a: Hit, b: Hit) => b.score - a.score || b.seq - a.seq;

/**
 * The `limit` best matches past `cursor` in (score, seq) order, by the threshold algorithm (Fagin, Lotem and
 * Naor): read every term's list strongest first, score each image seen, and stop once no unseen image can
 * beat the last one kept. Going up (a Newer page) reads upward from 1/m of the cursor's score, since an
 * image scoring above it has one term at least that strong. Batches grow fourfold, so a query whose proof
 * needs many rows takes few round trips.
 */
export async function rankedPage(matches: Matches, cursor: Hit | undefined, direction: Direction, limit: number): Promise<Hit[]> {
  if (direction === 'up' && !cursor) throw new Error('reading up needs a cursor');
  const m = matches.lists;
  // Above every stored strength (millionths) and seq, and within PostgreSQL's integer.
  const top: Key = { strength: 2 ** 31 - 1, seq: Number.MAX_SAFE_INTEGER };
  const start: Key = !cursor ? top
    : direction === 'down' || m === 1 ? { strength: cursor.score, seq: cursor.seq } : { strength: Math.ceil(cursor.score / m), seq: -1 };
  const frontiers: (Key | undefined)[] = Array.from({ length: m }, () => start);
  const scored = new Map<number, number>();
  const beyond = (hit: Hit) => !cursor || (direction === 'down' ? compare(cursor, hit) < 0 : compare(cursor, hit) > 0);
  const order = direction === 'down' ? compare : (a: Hit, b: Hit) => -compare(a, b);
  for (let batch = limit; ; batch *= 4) {
    const rows = await matches.read(frontiers, batch, direction);
    const fresh = new Set<number>();
    rows.forEach((list, i) => {
      if (frontiers[i] === undefined) return;
      frontiers[i] = list.length < batch ? undefined : list.at(-1);
      for (const { seq, strength } of list) {
        if (scored.has(seq)) continue;
        if (m === 1) scored.set(seq, strength);
        else fresh.add(seq);
      }
    });
    if (fresh.size > 0) for (const [seq, score] of await matches.score([...fresh])) scored.set(seq, score);
    const found = [...scored].map(([seq, score]) => ({ seq, score })).filter(beyond).sort(order);
    const live = frontiers.filter((f) => f !== undefined);
    if (live.length === 0 || (found.length >= limit && provenBest(found[limit - 1]!, live, direction))) return found.slice(0, limit);
  }
}

/**
 * Whether no image unseen in every list can come before `last`. Down: such an image has at most each list's
 * frontier strength, so its score is at most their sum, and at that sum its seq is below every frontier's.
 * Up: its strongest term lies past that list's frontier, so it scores at least the smallest frontier.
 */
function provenBest(last: Hit, live: Key[], direction: Direction): boolean {
  if (direction === 'up') return last.score < Math.min(...live.map((f) => f.strength));
  const bound = live.reduce((sum, f) => sum + f.strength, 0);
  return last.score > bound || (last.score === bound && last.seq >= Math.min(...live.map((f) => f.seq)));
}
