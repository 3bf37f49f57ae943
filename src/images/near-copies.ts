import type { Db } from '../db/index.js';
import { unindexed } from '../db/fragments.js';
import { bandNeighbours, hammingDistance, NEAR_RADIUS, type PerceptualHash } from './perceptual-hash.js';

/** One of the owner's images that looks like the photo asked about, and by how many bits of the hash. */
export type NearCopy = { seq: number; id: string; originalName: string; distance: number };

const BANDS = ['phash_0', 'phash_1', 'phash_2', 'phash_3'] as const;

/** What the bands of a flat image (no hash) hold: no band value is near it, and it is not read again. */
export const FLAT = -1;

/** The columns an image's hash is stored in: undefined is not read yet (NULL), null is flat. */
export const hashColumns = (hash: PerceptualHash | null | undefined) =>
  Object.fromEntries(BANDS.map((band, k) => [band, hash === undefined ? null : hash === null ? FLAT : hash[k]])) as Record<(typeof BANDS)[number], number | null>;

/**
 * The owner's images within NEAR_RADIUS bits of `hash`, nearest first (then oldest): at most `limit`.
 * `publicOnly` keeps to what another viewer may see. Each band's index gives the candidates with a band
 * within two bits of this one (perceptual-hash.ts), so the rows read are a few near ones, not the library.
 */
export async function findNearCopies(db: Db, ownerId: number, hash: PerceptualHash, { limit, ...options }: { limit: number } & Options): Promise<NearCopy[]> {
  const near = new Map<number, NearCopy>();
  for (const row of await nearCandidatesQuery(db, ownerId, hash, options).execute()) {
    const distance = hammingDistance(hash, [row.phash_0!, row.phash_1!, row.phash_2!, row.phash_3!]);
    if (distance <= NEAR_RADIUS) near.set(row.seq, { seq: row.seq, id: row.id, originalName: row.original_name, distance });
  }
  return [...near.values()].sort((a, b) => a.distance - b.distance || a.seq - b.seq).slice(0, limit);
}

type Options = { publicOnly?: boolean; except?: number };

/**
 * The owner's images with a band within two bits of the hash's, one index range per band (a row near on two
 * bands comes twice): exported for its plan test. An OR of the four left SQLite's planner reading the
 * owner's whole range, as does visibility on its index.
 */
export function nearCandidatesQuery(db: Db, ownerId: number, hash: PerceptualHash, { publicOnly = false, except }: Options = {}) {
  const byBand = (k: number) => {
    let rows = db.query.selectFrom('images').select(['seq', 'id', 'original_name', ...BANDS])
      .where('owner_id', '=', ownerId).where(BANDS[k], 'in', bandNeighbours(hash[k]));
    if (publicOnly) rows = rows.where(unindexed(db, 'visibility'), '=', 'public');
    if (except !== undefined) rows = rows.where('seq', '!=', except);
    return rows;
  };
  return byBand(0).unionAll(byBand(1)).unionAll(byBand(2)).unionAll(byBand(3));
}
