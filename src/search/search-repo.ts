import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import { selectImages, toRecord, type Cursor, type ImageRecord, type Order, type Page } from '../images/images-repo.js';
import type { Total } from '../images/pagination.js';
import { isIdPrefix } from './query.js';

const MAX_ID_EXPANSION = 20;
/**
 * Matches are counted exactly up to here; past it a search says "more than 1,000". An exact count of a
 * broad query reads every match (about 39,000 rows and 9 ms for "dog,red,user07" at 100,000 images),
 * while the page itself reads 49 rows per term.
 */
export const COUNT_CAP = 1000;

/**
 * Search is index lookups in image_terms: per term, the public matches (primary key (term, public,
 * image_seq)) and the viewer's own private ones (the partial index image_terms_private), merged here. In
 * upload order they are read newest first and only as far as one page needs; by date taken each range is
 * joined to images for shot_at and read whole (see `taken`). No query reads another user's private rows, so
 * neither the time nor the answer depends on them. Exported for the plan tests.
 */
export function searchQueries(db: Db) {
  const q = db.query;
  type Range = { term: string; viewer: number; cursor: number; limit: number };
  const matching = ({ term, viewer }: Range, own: boolean) => {
    const base = q.selectFrom('image_terms').select('image_seq as seq').where('term', '=', term);
    return own ? base.where('public', '=', 0).where('owner_id', '=', viewer) : base.where('public', '=', 1);
  };
  const older = (r: Range, own: boolean) => matching(r, own).where('image_seq', '<', r.cursor).orderBy('image_seq', 'desc').limit(r.limit);
  const newer = (r: Range, own: boolean) => matching(r, own).where('image_seq', '>', r.cursor).orderBy('image_seq', 'asc').limit(r.limit);
  /**
   * By date taken: the same ranges joined to images for shot_at, past the cursor's (shot_at, seq). No index
   * holds a term's matches in that order, so each range reads all its matches and sorts them: fine for what
   * people search (a few thousand matches), not for a broad term over a very large library.
   */
  type TakenRange = Range & { at?: number; side: '<' | '>' };
  const taken = ({ term, viewer, cursor, at, limit, side }: TakenRange, own: boolean) => {
    const base = q.selectFrom('image_terms as t').innerJoin('images as i', 'i.seq', 't.image_seq')
      .select(['t.image_seq as seq', 'i.shot_at as shotAt']).where('t.term', '=', term);
    const mine = own ? base.where('t.public', '=', 0).where('t.owner_id', '=', viewer) : base.where('t.public', '=', 1);
    const direction = side === '<' ? 'desc' : 'asc';
    const beyond = at === undefined ? mine : mine.where((eb) => eb(eb.refTuple('i.shot_at', 'i.seq'), side, eb.tuple(at, cursor)));
    return beyond.orderBy('i.shot_at', direction).orderBy('i.seq', direction).limit(limit);
  };
  return {
    takenPublic: (r: TakenRange) => taken(r, false),
    takenOwn: (r: TakenRange) => taken(r, true),
    publicOlder: (r: Range) => older(r, false),
    ownOlder: (r: Range) => older(r, true),
    publicNewer: (r: Range) => newer(r, false),
    ownNewer: (r: Range) => newer(r, true),
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
    idsWithPrefix: (prefix: string) =>
      q.selectFrom('images').select('id').where('id', '>=', prefix).where('id', '<', `${prefix}~`).orderBy('id').limit(MAX_ID_EXPANSION),
  };
}

export type SearchRepo = {
  /** One page of matches, newest first (upload or photo), and how many match; id prefixes are expanded once for both. */
  search(viewerId: number, rawTerms: string[], cursor: Cursor, limit: number, order?: Order): Promise<Page & Total>;
};

export function createSearchRepo(db: Db): SearchRepo {
  const queries = searchQueries(db);

  /** An id prefix ("4f1c2a9b") stands for the full ids it starts; those are terms like any other. */
  // One prefix after another: in parallel, one search of 50 prefixes would hold every pooled connection.
  async function expand(terms: string[]): Promise<string[]> {
    const expanded = new Set<string>();
    for (const term of terms) {
      expanded.add(term);
      if (isIdPrefix(term) && term.length < 36) for (const { id } of await queries.idsWithPrefix(term).execute()) expanded.add(id);
    }
    return [...expanded];
  }

  /** The newest `limit` matches on the far side of the cursor, union over terms. */
  async function seqsBeyond(terms: string[], viewer: number, cursor: Cursor, limit: number, order: Order): Promise<number[]> {
    if (terms.length === 0) return [];
    const newerSide = cursor.after !== undefined;
    if (order === 'taken') return takenBeyond(terms, viewer, cursor, limit);
    const ranges = newerSide ? [queries.publicNewer, queries.ownNewer] : [queries.publicOlder, queries.ownOlder];
    const from = newerSide ? cursor.after! : (cursor.before ?? Number.MAX_SAFE_INTEGER);
    // One round trip: every range as an arm of one UNION ALL (each arm a subquery, so it keeps its own ORDER BY and LIMIT).
    const arms = terms.flatMap((term) => ranges.map((range) => db.query.selectFrom(range({ term, viewer, cursor: from, limit }).as('r')).select('r.seq')));
    const found = await arms.reduce((all, arm) => all.unionAll(arm)).execute();
    const merged = new Set(found.map((r) => r.seq));
    return [...merged].sort((a, b) => (newerSide ? a - b : b - a)).slice(0, limit);
  }

  async function takenBeyond(terms: string[], viewer: number, cursor: Cursor, limit: number): Promise<number[]> {
    const side = cursor.after !== undefined ? '>' : '<';
    const edge = cursor.after ?? cursor.before;
    const range = { viewer, cursor: edge ?? 0, at: edge === undefined ? undefined : cursor.at, limit, side } as const;
    const arms = terms.flatMap((term) => [queries.takenPublic, queries.takenOwn].map((arm) =>
      db.query.selectFrom(arm({ ...range, term }).as('r')).select(['r.seq', 'r.shotAt'])));
    const found = await arms.reduce((all, arm) => all.unionAll(arm)).execute();
    const merged = [...new Map(found.map((r) => [r.seq, r.shotAt])).entries()];
    const sign = side === '>' ? 1 : -1;
    return merged.sort(([seqA, a], [seqB, b]) => sign * (a - b || seqA - seqB)).slice(0, limit).map(([seq]) => seq);
  }

  async function page(terms: string[], viewerId: number, cursor: Cursor, limit: number, order: Order): Promise<Page> {
    if (cursor.after !== undefined) {
      const seqs = await seqsBeyond(terms, viewerId, cursor, limit + 1, order);
      return { images: await load(seqs.slice(0, limit).reverse()), hasNewer: seqs.length > limit, hasOlder: true };
    }
    const offset = cursor.offset ?? 0;
    const seqs = (await seqsBeyond(terms, viewerId, { before: cursor.before, at: cursor.at }, offset + limit + 1, order)).slice(offset);
    return { images: await load(seqs.slice(0, limit)), hasNewer: cursor.before !== undefined || offset > 0, hasOlder: seqs.length > limit };
  }

  /** How many images match, exactly up to COUNT_CAP; `exact: false` means more than that. */
  async function count(terms: string[], viewerId: number): Promise<Total> {
    if (terms.length === 0) return { total: 0, exact: true };
    const cap = COUNT_CAP + 1;
    // One term needs no UNION: (term, image) pairs are unique.
    const query = terms.length === 1 ? queries.countOne(terms[0], viewerId, cap) : queries.countMany(terms, viewerId, cap);
    const { n } = (await query.execute(db.query)).rows[0];
    return n > COUNT_CAP ? { total: COUNT_CAP, exact: false } : { total: n, exact: true };
  }

  /** The images of `seqs`, in that order. */
  async function load(seqs: number[]): Promise<ImageRecord[]> {
    if (seqs.length === 0) return [];
    const rows = new Map((await selectImages(db.query).where('i.seq', 'in', seqs).execute()).map((row) => [row.seq, toRecord(row)]));
    return seqs.flatMap((seq) => rows.get(seq) ?? []);
  }

  return {
    async search(viewerId, rawTerms, cursor, limit, order = 'uploaded') {
      const terms = await expand(rawTerms);
      const [found, total] = await Promise.all([page(terms, viewerId, cursor, limit, order), count(terms, viewerId)]);
      return { ...found, ...total };
    },
  };
}
