import type { Db } from '../db/index.js';
import { unindexed } from '../db/fragments.js';
import { classByName } from '../imagenet/classes.js';
import { normaliseTerm } from '../search/terms.js';
import type { Label } from './classifier.js';
import { cosine, decodeEmbedding, type Embedding } from './embedding.js';

/** One of the owner's images that the model sees much as it sees the photo asked about: cosine 0..1. */
export type AlikeImage = { seq: number; id: string; originalName: string; similarity: number };

/**
 * Below this cosine two photos have little in common but the model's taste for some features: of the pairs
 * of the 100 ImageNet test photos whose classes share no WordNet term, 0.6% reach it (median 0.27), while
 * two photos of cats lie at 0.62 and a macaw and a lorikeet at 0.50 (test/model/embedding.test.ts).
 */
export const ALIKE_MIN = 0.45;
/** The candidates each of the photo's keys brings, newest first: what bounds a look-up's reads (3 keys at most). */
const PER_KEY = 500;

/** Where look-alikes of a photo with this label are looked for: its next more general word ("parrot" for a macaw). */
export function alikeKey(label: Label): string {
  const known = classByName(label.name);
  return normaliseTerm(known ? (known.terms[0] ?? known.synonyms[0]) : label.name);
}

/** An image's own key, stored with its embedding: its top label's. */
export const alikeKeyOf = (labels: readonly Label[] | null): string | null => (labels?.length ? alikeKey(labels[0]) : null);

/**
 * The seqs of the owner's images with this key, newest first (exported for its plan test): one walk down
 * images_owner_alike, PER_KEY at most.
 */
export function candidatesQuery(db: Db, ownerId: number, key: string, { publicOnly, except }: { publicOnly: boolean; except: number }) {
  let rows = db.query.selectFrom('images').select('seq').where('owner_id', '=', ownerId).where('alike_key', '=', key).where('seq', '!=', except);
  if (publicOnly) rows = rows.where(unindexed(db, 'visibility'), '=', 'public');
  return rows.orderBy('seq', 'desc').limit(PER_KEY);
}

type Asked = { seq: number; ownerId: number; labels: readonly Label[] };

/**
 * The owner's images nearest to `embedding` (at least ALIKE_MIN), most alike first, at most `limit`; to
 * another viewer only public ones. The candidates are the owner's images whose top label is a kind of what
 * one of the photo's labels is a kind of, the newest PER_KEY of each, so a look-up costs the same in any library.
 */
export async function findAlike(db: Db, asked: Asked, embedding: Embedding, { limit, publicOnly }: { limit: number; publicOnly: boolean }): Promise<AlikeImage[]> {
  if (asked.labels.length === 0) return [];
  // One statement: each key's walk as a subquery (SQLite allows no LIMIT in a plain UNION's parts).
  const walks = [...new Set(asked.labels.map(alikeKey))].map((key) =>
    db.query.selectFrom(candidatesQuery(db, asked.ownerId, key, { publicOnly, except: asked.seq }).as('c')).select('c.seq'));
  const seqs = [...new Set((await walks.slice(1).reduce((all, walk) => all.unionAll(walk), walks[0]).execute()).map((row) => row.seq))];
  if (seqs.length === 0) return [];
  let read = db.query.selectFrom('images').select(['seq', 'id', 'original_name', 'embedding']).where('seq', 'in', seqs).where('owner_id', '=', asked.ownerId);
  // Made private since the first read: not for another viewer.
  if (publicOnly) read = read.where(unindexed(db, 'visibility'), '=', 'public');
  const rows = await read.execute();
  return rows.flatMap((row) => {
    const theirs = row.embedding === null ? null : decodeEmbedding(row.embedding);
    const similarity = theirs ? cosine(embedding, theirs) : 0;
    return similarity >= ALIKE_MIN ? [{ seq: row.seq, id: row.id, originalName: row.original_name, similarity }] : [];
  }).sort((a, b) => b.similarity - a.similarity || b.seq - a.seq).slice(0, limit);
}
