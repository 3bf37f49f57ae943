import { describe, expect, it } from 'vitest';
import { rankedPage, type Direction, type Hit, type Key, type Matches } from '../../src/search/ranking.js';

/** A deterministic PRNG (mulberry32), so a failure repeats. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `strengths[t]` maps image seq -> strength for term t; reads and scores count how much the ranking asked for. */
function inMemory(strengths: Map<number, number>[]) {
  const stats = { rowsRead: 0, scored: 0 };
  const lists = strengths.map((m) => [...m].map(([seq, strength]) => ({ seq, strength })).sort((a, b) => b.strength - a.strength || b.seq - a.seq));
  const matches: Matches = {
    lists: lists.length,
    async read(from: (Key | undefined)[], n: number, direction: Direction) {
      return lists.map((list, i) => {
        const key = from[i];
        if (!key) return [];
        const past = (k: Key) => (direction === 'down'
          ? k.strength < key.strength || (k.strength === key.strength && k.seq < key.seq)
          : k.strength > key.strength || (k.strength === key.strength && k.seq > key.seq));
        const rows = (direction === 'down' ? list : [...list].reverse()).filter(past).slice(0, n);
        stats.rowsRead += rows.length;
        return rows;
      });
    },
    async score(seqs: number[]) {
      stats.scored += seqs.length;
      return new Map(seqs.map((seq) => [seq, strengths.reduce((sum, m) => sum + (m.get(seq) ?? 0), 0)]));
    },
  };
  return { matches, stats };
}

/** Every image any term matched, best first: what the pages must add up to. */
function bruteForce(strengths: Map<number, number>[]): Hit[] {
  const scores = new Map<number, number>();
  for (const m of strengths) for (const [seq, s] of m) scores.set(seq, (scores.get(seq) ?? 0) + s);
  return [...scores].map(([seq, score]) => ({ seq, score })).sort((a, b) => b.score - a.score || b.seq - a.seq);
}

/** Random libraries: `terms` lists over `images` images, coarse strengths (many ties) or fine ones. */
function library(seed: number, terms: number, images: number, coarse: boolean): Map<number, number>[] {
  const random = prng(seed);
  return Array.from({ length: terms }, () => {
    const m = new Map<number, number>();
    for (let seq = 1; seq <= images; seq++) {
      if (random() < 0.3) m.set(seq, coarse ? [1_000_000, 620_000, 210_000, 70_000][Math.floor(random() * 4)]! : 1 + Math.floor(random() * 999_999));
    }
    return m;
  });
}

async function walkDown(matches: Matches, limit: number): Promise<Hit[][]> {
  const pages: Hit[][] = [];
  let cursor: Hit | undefined;
  for (;;) {
    const page = await rankedPage(matches, cursor, 'down', limit);
    if (page.length === 0) return pages;
    pages.push(page);
    cursor = page.at(-1);
  }
}

describe('rankedPage', () => {
  it.each([
    [1, 1, false], [2, 2, false], [3, 3, true], [4, 3, false], [5, 5, true], [6, 1, true],
  ])('when library %i with %i terms is paged down and back up, then the pages are the brute-force order, without gaps or repeats', async (seed, terms, coarse) => {
    const strengths = library(seed, terms, 400, coarse);
    const expected = bruteForce(strengths);
    const { matches } = inMemory(strengths);
    const pages = await walkDown(matches, 7);
    expect(pages.flat()).toEqual(expected);
    // Back up from each page's first hit: the page before it, nearest first.
    for (let p = 1; p < pages.length; p++) {
      const up = await rankedPage(matches, pages[p]![0], 'up', 7);
      expect(up.reverse()).toEqual(pages[p - 1]);
    }
  });

  it('when one term has few strong matches, then the first page reads a small part of the lists', async () => {
    // A rare, sure term beside two broad, weak ones: the proof that no unseen image beats the tenth stops early.
    const random = prng(9);
    const rare = new Map<number, number>();
    const broad = [new Map<number, number>(), new Map<number, number>()];
    for (let seq = 1; seq <= 20_000; seq++) {
      if (seq % 500 === 0) rare.set(seq, 1_000_000);
      for (const m of broad) if (random() < 0.5) m.set(seq, 1 + Math.floor(random() * 100_000));
    }
    const { matches, stats } = inMemory([rare, ...broad]);
    const page = await rankedPage(matches, undefined, 'down', 10);
    expect(page).toEqual(bruteForce([rare, ...broad]).slice(0, 10));
    expect(stats.rowsRead).toBeLessThan(2_000);
  });

  it('when nothing matches, then the page is empty', async () => {
    const { matches } = inMemory([new Map(), new Map()]);
    await expect(rankedPage(matches, undefined, 'down', 10)).resolves.toEqual([]);
  });
});
