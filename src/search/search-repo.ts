import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import { selectImages, toRecord, type Cursor, type ImageRecord, type Order, type Page } from '../images/images-repo.js';
import type { Total } from '../images/pagination.js';
import { FULL_STRENGTH, fractionOf, MAX_STRENGTH } from './terms.js';
import { expandQuery, type QueryTerm } from './expand.js';
import { nearColours, type NearColours } from './near-colours.js';
import { pastKey, TOP, type Direction, type Key } from './ranking.js';
import { termSizeCache } from './term-sizes.js';

/**
 * Matches are counted exactly up to here; past it a search says "more than 1,000". An exact count of a
 * broad query reads every match (about 39,000 rows and 9 ms for "dog,red,user07" at 100,000 images),
 * while the page itself reads 49 rows per term.
 */
export const COUNT_CAP = 1000;
/**
 * A rarest term with more matches than this makes reading the images every term matches cost about what
 * reading every match does (each of its rows costs a lookup per other term), so then every match is summed.
 */
const RAREST_CAP = 10_000;

/** Best match first (the default of a search), or one of the orders of every list. */
export type SearchOrder = 'relevance' | Order;

/**
 * Why an image matched: its score (over the terms it matched, 100 for each sure match and each strength,
 * 0 to 1: the order of the results), and each query term it matched with its strength.
 */
export type Match = { score: number; terms: { term: string; strength: number }[] };
/** A match and its place in the ranked order (the sum of its stored strengths), which a page's cursor carries. */
export type RankedMatch = Match & { rank: number };

export type SearchPage = Page & Total & { matches: Map<number, RankedMatch> };

type Range = { term: string; viewer: number; cursor: number; limit: number };
type KeyRange = { term: string; viewer: number; from: Key; limit: number; direction: Direction };
type TakenRange = Range & { at?: number; side: '<' | '>' };

/**
 * Search is index lookups in image_terms: per term, the public matches and the viewer's own private ones
 * (partial indexes on public = 0), merged here. Best match first reads each term's rows strongest first
 * ((term, public, strength, image_seq)) only as far as the ranking needs; newest first reads them by seq
 * (the primary key (term, public, image_seq)) only as far as one page needs; by date taken each range is
 * joined to images for shot_at and read whole (see `taken`). No query reads another user's private rows,
 * so neither the time nor the answer depends on them. Exported for the plan tests.
 */
export function searchQueries(db: Db) {
  const q = db.query;
  const matching = (term: string, viewer: number, own: boolean) => {
    const base = q.selectFrom('image_terms').where('term', '=', term);
    return own ? base.where('public', '=', 0).where('owner_id', '=', viewer) : base.where('public', '=', 1);
  };
  // Each range selects only what its index holds: a column more would make SQLite read the primary key instead.
  const older = (r: Range, own: boolean) => matching(r.term, r.viewer, own).select('image_seq as seq').where('image_seq', '<', r.cursor).orderBy('image_seq', 'desc').limit(r.limit);
  const newer = (r: Range, own: boolean) => matching(r.term, r.viewer, own).select('image_seq as seq').where('image_seq', '>', r.cursor).orderBy('image_seq', 'asc').limit(r.limit);
  const strongest = ({ term, viewer, from, limit, direction }: KeyRange, own: boolean) => {
    const [side, order] = direction === 'down' ? (['<', 'desc'] as const) : (['>', 'asc'] as const);
    return matching(term, viewer, own).select(['image_seq as seq', 'strength']).where((eb) => eb(eb.refTuple('strength', 'image_seq'), side, eb.tuple(from.strength, from.seq)))
      .orderBy('strength', order).orderBy('image_seq', order).limit(limit);
  };
  /**
   * By date taken: the same ranges joined to images for shot_at, past the cursor's (shot_at, seq). No index
   * holds a term's matches in that order, so each range reads all its matches and sorts them: fine for what
   * people search (a few thousand matches), not for a broad term over a very large library.
   */
  const taken = ({ term, viewer, cursor, at, limit, side }: TakenRange, own: boolean) => {
    const base = q.selectFrom('image_terms as t').innerJoin('images as i', 'i.seq', 't.image_seq')
      .select(['t.image_seq as seq', 'i.shot_at as shotAt']).where('t.term', '=', term);
    const mine = own ? base.where('t.public', '=', 0).where('t.owner_id', '=', viewer) : base.where('t.public', '=', 1);
    const direction = side === '<' ? 'desc' : 'asc';
    const beyond = at === undefined ? mine : mine.where((eb) => eb(eb.refTuple('i.shot_at', 'i.seq'), side, eb.tuple(at, cursor)));
    return beyond.orderBy('i.shot_at', direction).orderBy('i.seq', direction).limit(limit);
  };
  /**
   * Best match first over several terms: every match of every term read (one index range each) and summed
   * per image in the database, past the cursor's (score, seq). Reading them all is what makes the order
   * exact: an image's score needs its every term, and no index holds sums (see README, Decisions).
   */
  const summed = ({ terms, viewer, from, limit, direction }: { terms: string[]; viewer: number; from?: Key; limit?: number; direction: Direction }) => {
    const arms = terms.flatMap((term) => [false, true].map((own) => matching(term, viewer, own).select(['image_seq', 'strength'])));
    const score = sql<number>`sum(m.strength)`;
    const [side, order] = direction === 'down' ? (['<', 'desc'] as const) : (['>', 'asc'] as const);
    const grouped = q.selectFrom(arms.reduce((all, arm) => all.unionAll(arm)).as('m'))
      .select(['m.image_seq as seq', score.as('score')]).groupBy('m.image_seq');
    const beyond = from ? grouped.having((eb) => eb.or([eb(score, side, from.strength), eb.and([eb(score, '=', from.strength), eb('m.image_seq', side, from.seq)])])) : grouped;
    const ordered = beyond.orderBy('score', order).orderBy('m.image_seq', order);
    return limit === undefined ? ordered : ordered.limit(limit);
  };
  /**
   * The images that every one of `terms` matches, scored and past the cursor: the rarest term's ranges drive
   * and each other term is a point lookup in the primary key (SQLite's CROSS JOIN keeps that order; the
   * image's rows share its visibility, so one lookup per term). PostgreSQL picks its own join order, and
   * merges the smaller ranges in image order: index-only, since its key holds the strength (migration 019).
   * How the page uses it: see `ranked` below.
   */
  const inEvery = ({ driver, others, viewer, from, limit, direction }: { driver: string; others: string[]; viewer: number; from: Key; limit: number; direction: Direction }) => {
    const aliases = others.map((_, i) => sql.raw(`t${i}`));
    const arm = (own: boolean) => {
      const tables = sql.join([sql`image_terms d`, ...aliases.map((t) => sql`image_terms ${t}`)], sql` CROSS JOIN `);
      const conditions = [
        sql`d.term = ${driver}`, own ? sql`d.public = 0 AND d.owner_id = ${viewer}` : sql`d.public = 1`,
        ...others.map((term, i) => sql`${aliases[i]}.term = ${term} AND ${aliases[i]}.public = d.public AND ${aliases[i]}.image_seq = d.image_seq`),
      ];
      // BIGINT: a sum of many sure matches passes PostgreSQL's integer.
      const score = sql.join([sql`d.strength`, ...aliases.map((t) => sql`${t}.strength`)].map((s) => sql`CAST(${s} AS BIGINT)`), sql` + `);
      return sql`SELECT d.image_seq AS seq, ${score} AS score FROM ${tables} WHERE ${sql.join(conditions, sql` AND `)}`;
    };
    const [side, order] = direction === 'down' ? [sql.raw('<'), sql.raw('DESC')] : [sql.raw('>'), sql.raw('ASC')];
    return sql<{ seq: number; score: number }>`
      SELECT seq, score FROM (${arm(false)} UNION ALL ${arm(true)}) AS e
      WHERE score ${side} ${from.strength} OR (score = ${from.strength} AND seq ${side} ${from.seq})
      ORDER BY score ${order}, seq ${order} LIMIT ${limit}`;
  };
  /** How many images each term matches for the viewer, counted up to `cap` per range: which term is rarest. */
  const termSizes = (terms: string[], viewer: number, cap: number) => {
    const size = (term: string) => sql`
      (SELECT count(*) FROM (SELECT 1 FROM image_terms WHERE term = ${term} AND public = 1 LIMIT ${cap}) AS p)
      + (SELECT count(*) FROM (SELECT 1 FROM image_terms WHERE term = ${term} AND public = 0 AND owner_id = ${viewer} LIMIT ${cap}) AS o)`;
    return sql<Record<string, number>>`SELECT ${sql.join(terms.map((term, i) => sql`${size(term)} AS ${sql.raw(`n${i}`)}`))}`;
  };
  return {
    summed,
    inEvery,
    termSizes,
    strongestPublic: (r: KeyRange) => strongest(r, false),
    strongestOwn: (r: KeyRange) => strongest(r, true),
    takenPublic: (r: TakenRange) => taken(r, false),
    takenOwn: (r: TakenRange) => taken(r, true),
    publicOlder: (r: Range) => older(r, false),
    ownOlder: (r: Range) => older(r, true),
    publicNewer: (r: Range) => newer(r, false),
    ownNewer: (r: Range) => newer(r, true),
    /**
     * The strengths of these images for these terms: point lookups in the primary key (public is named so
     * the whole key is used). The images come from the viewer's own ranges, so all of their rows are theirs to see.
     */
    strengths: (seqs: number[], terms: string[]) =>
      q.selectFrom('image_terms').select(['image_seq as seq', 'term', 'strength'])
        .where('term', 'in', terms).where('public', 'in', [0, 1]).where('image_seq', 'in', seqs),
    // The LIMIT inside stops reading at the cap; the outer count only counts what was read.
    countOne: (term: string, viewer: number, cap: number) => sql<{ n: number }>`
      SELECT (SELECT count(*) FROM (SELECT 1 FROM image_terms WHERE term = ${term} AND public = 1 LIMIT ${cap}) AS p)
           + (SELECT count(*) FROM (SELECT 1 FROM image_terms WHERE term = ${term} AND public = 0 AND owner_id = ${viewer} LIMIT ${cap}) AS o) AS n`,
    // SQLite: DISTINCT over UNION ALL streams and stops at the cap (a plain UNION sorts every match first,
    // 30x slower). PostgreSQL's hash aggregate reads every match before the LIMIT (all 43,000 of
    // "dog,red,user07" at 100,000 images: 20 ms of a 30 ms search), so there each range is read only up to
    // the cap: one range reaching it alone makes more than COUNT_CAP, the OR stops at the first that does, and
    // the CASE never runs its ELSE (the union of every range, now at most cap rows each). (That form costs
    // SQLite 1.15 ms against 0.25 ms for the streaming one.)
    countMany: (terms: string[], viewer: number, cap: number) => {
      if (db.dialect === 'sqlite') {
        return sql<{ n: number }>`
          SELECT count(*) AS n FROM (SELECT DISTINCT image_seq FROM (
            SELECT image_seq FROM image_terms WHERE term IN (${sql.join(terms)}) AND public = 1
            UNION ALL
            SELECT image_seq FROM image_terms WHERE term IN (${sql.join(terms)}) AND public = 0 AND owner_id = ${viewer}
          ) AS m LIMIT ${cap}) AS d`;
      }
      const ranges = terms.flatMap((term) => [
        sql`SELECT image_seq FROM image_terms WHERE term = ${term} AND public = 1 LIMIT ${cap}`,
        sql`SELECT image_seq FROM image_terms WHERE term = ${term} AND public = 0 AND owner_id = ${viewer} LIMIT ${cap}`,
      ]);
      const full = ranges.map((range) => sql`(SELECT count(*) FROM (${range}) AS r) >= ${cap}`);
      const union = sql.join(ranges.map((range) => sql`SELECT image_seq FROM (${range}) AS r`), sql` UNION ALL `);
      return sql<{ n: number }>`
        SELECT CASE WHEN ${sql.join(full, sql` OR `)} THEN ${cap}
                    ELSE (SELECT count(*) FROM (SELECT DISTINCT image_seq FROM (${union}) AS m) AS d) END AS n`;
    },
  };
}

export type SearchRepo = {
  /** One page of matches in `order`, how many match, and why each matched; id prefixes, plurals and colours are expanded once for all. */
  search(viewerId: number, rawTerms: string[], cursor: Cursor, limit: number, order?: SearchOrder): Promise<SearchPage>;
  /** The first `limit` matches' ids, newest upload first, without the count or the reasons (a whole list's selection). */
  ids(viewerId: number, rawTerms: string[], limit: number): Promise<string[]>;
};

type Query = { terms: QueryTerm[]; stored: string[]; near: NearColours[]; viewer: number };

export function createSearchRepo(db: Db, now: () => number = Date.now): SearchRepo {
  const queries = searchQueries(db);
  const sizes = termSizeCache(now);
  /** Every stored term's strength for these images, and the near colours', by image. */
  async function strengthsOf(query: Query, seqs: number[]): Promise<Map<number, Map<string, number>>> {
    const found = new Map<number, Map<string, number>>(seqs.map((seq) => [seq, new Map()]));
    if (seqs.length > 0 && query.stored.length > 0) {
      for (const row of await queries.strengths(seqs, query.stored).execute()) found.get(row.seq)!.set(row.term, row.strength);
    }
    for (const near of query.near) for (const seq of seqs) {
      const strength = near.strengthOf(seq);
      if (strength !== undefined) found.get(seq)!.set(near.hex, strength);
    }
    return found;
  }

  const sum = (strengths: Map<string, number>) => [...strengths.values()].reduce((a, b) => a + b, 0);

  /** One stored term, strongest first: its two index ranges (public, the viewer's own) are the order itself. */
  async function strongestOf(term: string, viewer: number, from: Key, limit: number, direction: Direction): Promise<Key[]> {
    const arms = [queries.strongestPublic, queries.strongestOwn].map((range) =>
      db.query.selectFrom(range({ term, viewer, from, limit, direction }).as('r')).select(['r.seq', 'r.strength']));
    return pastKey(await arms[0]!.unionAll(arms[1]!).execute(), from, limit, direction);
  }

  /**
   * Best match first. One term is read as far as the page needs. Several: while the page can be filled with
   * images that every term matches, only those are read (`inEvery`): a sure match is worth more than a hundred
   * fractions (terms.ts), so those come before any image that misses a term, whose score is at most
   * `floor`. Past them (or when the rarest term is common), every match is read and summed in the
   * database. Colours (read whole in near-colours.ts) are added to those sums here.
   */
  async function ranked(query: Query, cursor: Cursor, limit: number): Promise<number[]> {
    const { stored, near, viewer } = query;
    const edge = cursor.after ?? cursor.before;
    const from = edge === undefined ? TOP : { strength: cursor.at!, seq: edge };
    const direction: Direction = cursor.after !== undefined ? 'up' : 'down';
    const seqsOf = (keys: { seq: number }[]) => keys.map((key) => key.seq);
    if (stored.length === 1 && near.length === 0) {
      // A cursor from another query (an edited link) may hold a sum: no single row is stronger than TOP.
      return seqsOf(await strongestOf(stored[0]!, viewer, { ...from, strength: Math.min(from.strength, TOP.strength) }, limit, direction));
    }
    if (near.length === 0) {
      const every = await inEveryTerm(stored, viewer, from, limit, direction);
      if (every) return seqsOf(every);
      return seqsOf(await queries.summed({ terms: stored, viewer, from, limit, direction }).execute());
    }
    const scores = new Map<number, number>();
    if (stored.length > 0) for (const { seq, score } of await queries.summed({ terms: stored, viewer, direction }).execute()) scores.set(seq, score);
    for (const colours of near) for (const { seq } of colours.all()) scores.set(seq, (scores.get(seq) ?? 0) + colours.strengthOf(seq)!);
    return seqsOf(pastKey([...scores].map(([seq, strength]) => ({ seq, strength })), from, limit, direction));
  }

  /** The page from the images every term matches, or undefined when it cannot be told from those alone. */
  async function inEveryTerm(stored: string[], viewer: number, from: Key, limit: number, direction: Direction) {
    // A term that matches nothing (a plural's own spelling, say) adds nothing to any score.
    const found = (await sizesOf(stored, viewer)).filter((t) => t.size > 0).sort((a, b) => a.size - b.size);
    if (found.length < 2 || found[0]!.size >= RAREST_CAP) return undefined;
    const floor = (found.length - 1) * MAX_STRENGTH;
    // Above a cursor past the floor, every image is one of them.
    if (direction === 'up' && from.strength <= floor) return undefined;
    const [driver, ...others] = found.map((t) => t.term);
    const { rows } = await queries.inEvery({ driver: driver!, others, viewer, from, limit, direction }).execute(db.query);
    if (direction === 'down' && (rows.length < limit || rows.at(-1)!.score <= floor)) return undefined;
    return rows;
  }

  /** Each term's size for the viewer (up to RAREST_CAP): the ones not known yet counted in one query. */
  async function sizesOf(terms: string[], viewer: number): Promise<{ term: string; size: number }[]> {
    const known = terms.map((term) => ({ term, size: sizes.get(viewer, term) }));
    const missing = known.filter((t) => t.size === undefined);
    if (missing.length > 0) {
      const counted = (await queries.termSizes(missing.map((t) => t.term), viewer, RAREST_CAP).execute(db.query)).rows[0]!;
      missing.forEach((t, i) => sizes.set(viewer, t.term, (t.size = Number(counted[`n${i}`]))));
    }
    return known as { term: string; size: number }[];
  }

  /** The newest `limit` matches on the far side of the cursor (by upload or by date taken), union over terms. */
  async function seqsBeyond(query: Query, cursor: Cursor, limit: number, order: Order): Promise<number[]> {
    const { stored, near, viewer } = query;
    const side = cursor.after !== undefined ? '>' : '<';
    const edge = cursor.after ?? cursor.before;
    const found: { seq: number; at: number }[] = near.flatMap((colours) => colours.all());
    if (stored.length > 0 && order === 'taken') {
      const range = { viewer, cursor: edge ?? 0, at: edge === undefined ? undefined : cursor.at, limit, side } as const;
      const arms = stored.flatMap((term) => [queries.takenPublic, queries.takenOwn].map((arm) =>
        db.query.selectFrom(arm({ ...range, term }).as('r')).select(['r.seq', 'r.shotAt'])));
      for (const r of await arms.reduce((all, arm) => all.unionAll(arm)).execute()) found.push({ seq: r.seq, at: r.shotAt });
    } else if (stored.length > 0) {
      const ranges = side === '>' ? [queries.publicNewer, queries.ownNewer] : [queries.publicOlder, queries.ownOlder];
      const from = edge ?? Number.MAX_SAFE_INTEGER;
      // One round trip: every range as an arm of one UNION ALL (each arm a subquery, so it keeps its own ORDER BY and LIMIT).
      const arms = stored.flatMap((term) => ranges.map((range) => db.query.selectFrom(range({ term, viewer, cursor: from, limit }).as('r')).select('r.seq')));
      for (const r of await arms.reduce((all, arm) => all.unionAll(arm)).execute()) found.push({ seq: r.seq, at: 0 });
    }
    const sign = side === '>' ? 1 : -1;
    const key = (hit: { seq: number; at: number }) => (order === 'taken' ? [hit.at, hit.seq] : [0, hit.seq]);
    const [atEdge, seqEdge] = edge === undefined ? [0, 0] : order === 'taken' ? [cursor.at!, edge] : [0, edge];
    const past = (hit: { seq: number; at: number }) => {
      if (edge === undefined) return true;
      const [at, seq] = key(hit);
      return sign * (at - atEdge || seq - seqEdge) > 0;
    };
    const unique = [...new Map(found.filter(past).map((hit) => [hit.seq, hit])).values()];
    return unique.sort((a, b) => { const [x, y] = [key(a), key(b)]; return sign * (x[0]! - y[0]! || x[1]! - y[1]!); }).slice(0, limit).map((hit) => hit.seq);
  }

  /** One page, newest first, or best match first: `limit` past the cursor and whether more lie on either side. */
  async function page(query: Query, cursor: Cursor, limit: number, order: SearchOrder): Promise<Page> {
    const read = (c: Cursor, n: number) =>
      order === 'relevance' ? ranked(query, c, n) : seqsBeyond(query, c, n, order);
    if (cursor.after !== undefined) {
      const seqs = await read(cursor, limit + 1);
      return { images: await load(seqs.slice(0, limit).reverse()), hasNewer: seqs.length > limit, hasOlder: true };
    }
    const offset = cursor.offset ?? 0;
    const seqs = (await read({ before: cursor.before, at: cursor.at }, offset + limit + 1)).slice(offset);
    return { images: await load(seqs.slice(0, limit)), hasNewer: cursor.before !== undefined || offset > 0, hasOlder: seqs.length > limit };
  }

  /** How many images match, exactly up to COUNT_CAP; `exact: false` means more than that. */
  async function count(query: Query): Promise<Total> {
    const { stored, near, viewer } = query;
    const colourMatches = new Set(near.flatMap((colours) => colours.all().map((hit) => hit.seq)));
    if (colourMatches.size > COUNT_CAP) return { total: COUNT_CAP, exact: false };
    let n = 0;
    if (stored.length > 0) {
      const cap = COUNT_CAP + 1;
      // One term needs no UNION: (term, image) pairs are unique.
      const counted = stored.length === 1 ? queries.countOne(stored[0]!, viewer, cap) : queries.countMany(stored, viewer, cap);
      n = (await counted.execute(db.query)).rows[0]!.n;
      // The colours' matches that no stored term found, so none is counted twice.
      if (colourMatches.size > 0) for (const [, strengths] of await strengthsOf({ ...query, near: [] }, [...colourMatches])) if (strengths.size > 0) n--;
    }
    n += colourMatches.size;
    return n > COUNT_CAP ? { total: COUNT_CAP, exact: false } : { total: n, exact: true };
  }

  /** The images of `seqs`, in that order. */
  async function load(seqs: number[]): Promise<ImageRecord[]> {
    if (seqs.length === 0) return [];
    const rows = new Map((await selectImages(db.query).where('i.seq', 'in', seqs).execute()).map((row) => [row.seq, toRecord(row)]));
    return seqs.flatMap((seq) => rows.get(seq) ?? []);
  }

  /** Each image's score and, per query term, its strongest expansion ("dogs" matched as "dog"). */
  async function why(query: Query, images: ImageRecord[]): Promise<Map<number, RankedMatch>> {
    const strengths = await strengthsOf(query, images.map((image) => image.seq));
    return new Map([...strengths].map(([seq, found]) => {
      const terms = query.terms.flatMap(({ text, stored, hex }) => {
        const strength = Math.max(0, ...[...stored, ...(hex ? [hex] : [])].map((term) => found.get(term) ?? 0));
        return strength > 0 ? [{ term: text, strength: fractionOf(strength) }] : [];
      });
      const rank = sum(found);
      return [seq, { score: rank / FULL_STRENGTH, terms, rank }];
    }));
  }

  async function queryFor(viewerId: number, rawTerms: string[]): Promise<Query> {
    const terms = await expandQuery(db, rawTerms);
    const stored = [...new Set(terms.flatMap((term) => term.stored))];
    const near = await Promise.all(terms.flatMap((term) => (term.hex ? [nearColours(db, term.hex, viewerId)] : [])));
    return { terms, stored, near, viewer: viewerId };
  }

  return {
    async search(viewerId, rawTerms, cursor, limit, order = 'relevance') {
      const query = await queryFor(viewerId, rawTerms);
      const [found, total] = await Promise.all([page(query, cursor, limit, order), count(query)]);
      return { ...found, ...total, matches: await why(query, found.images) };
    },
    ids: async (viewerId, rawTerms, limit) =>
      (await page(await queryFor(viewerId, rawTerms), { offset: 0 }, limit, 'uploaded')).images.map((image) => image.id),
  };
}
