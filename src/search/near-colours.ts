import type { Db } from '../db/index.js';
import { centresNear, HEX_RADIUS } from '../images/palette.js';
import { pastKey, type Direction, type Key } from './ranking.js';
import { strengthOf } from './terms.js';

/** The images with a colour near `hex`, nearest first, as one more list for the ranking. */
export type NearColours = {
  hex: string;
  read(from: Key, n: number, direction: Direction): Key[];
  strengthOf(seq: number): number | undefined;
  /** Every match with its date taken, for the newest-first orders. */
  all(): { seq: number; at: number }[];
};

/**
 * `#rrggbb` finds the images with a colour within HEX_RADIUS (CIEDE2000) of it. Every stored colour is the
 * centre of a histogram bin and a search term of its own, so the search reads the rows of the centres near
 * enough (the viewer's visible ones only), which are exactly the matches. The strength falls from 1 at the
 * same colour to nothing at the radius, so the nearest come first; an image with several near colours
 * counts its nearest.
 */
export async function nearColours(db: Db, hex: string, viewer: number): Promise<NearColours> {
  const centres = centresNear(hex);
  const strengthOfTerm = new Map(centres.map((c) => [c.hex, strengthOf(1 - c.distance / HEX_RADIUS)]));
  const arm = (own: boolean) => {
    const rows = db.query.selectFrom('image_terms as t').innerJoin('images as i', 'i.seq', 't.image_seq')
      .select(['t.image_seq as seq', 't.term', 'i.shot_at as shotAt']).where('t.term', 'in', [...strengthOfTerm.keys()]);
    return own ? rows.where('t.public', '=', 0).where('t.owner_id', '=', viewer) : rows.where('t.public', '=', 1);
  };
  const rows = centres.length ? await arm(false).unionAll(arm(true)).execute() : [];
  const found = new Map<number, { strength: number; at: number }>();
  for (const { seq, term, shotAt } of rows) {
    const strength = strengthOfTerm.get(term)!;
    if (strength > (found.get(seq)?.strength ?? 0)) found.set(seq, { strength, at: shotAt });
  }
  const ranked: Key[] = [...found].map(([seq, { strength }]) => ({ seq, strength }));
  return {
    hex,
    read: (from, n, direction) => pastKey(ranked, from, n, direction),
    strengthOf: (seq) => found.get(seq)?.strength,
    all: () => [...found].map(([seq, { at }]) => ({ seq, at })),
  };
}
