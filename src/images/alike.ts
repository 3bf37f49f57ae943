import type { Db } from '../db/index.js';
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
/** The candidates each of the image's terms brings, strongest first: what bounds a look-up's reads. */
const PER_TERM = 200;

/**
 * The terms whose images are worth comparing with this one: each kept label's name and its nearest more
 * general word ("parrot" for a macaw, "greyhound" for a whippet), and the owner's tags.
 */
export function alikeTerms(labels: readonly Label[], tags: readonly string[]): string[] {
  const terms = labels.flatMap((label) => {
    const known = classByName(label.name);
    return known ? [known.synonyms[0], ...known.terms.slice(0, 1)] : [label.name];
  });
  return [...new Set([...terms, ...tags].map(normaliseTerm))];
}

type Asked = { seq: number; ownerId: number; labels: readonly Label[]; tags: readonly string[] };

/**
 * The owner's images nearest to `embedding` (at least ALIKE_MIN), most alike first, at most `limit`; to
 * another viewer only public ones. Candidates come from the search terms' index (alikeTerms, PER_TERM
 * each), so a look-up reads a few hundred embeddings, whatever the size of the library.
 */
export async function findAlike(db: Db, asked: Asked, embedding: Embedding, { limit, publicOnly }: { limit: number; publicOnly: boolean }): Promise<AlikeImage[]> {
  const terms = alikeTerms(asked.labels, asked.tags);
  const visibilities = publicOnly ? [1 as const] : [1 as const, 0 as const];
  const reads = terms.flatMap((term) => visibilities.map((visible) =>
    db.query.selectFrom('image_terms').select('image_seq').where('term', '=', term).where('public', '=', visible)
      .where('owner_id', '=', asked.ownerId).orderBy('strength', 'desc').orderBy('image_seq', 'desc').limit(PER_TERM).execute()));
  const seqs = new Set((await Promise.all(reads)).flat().map((row) => row.image_seq));
  seqs.delete(asked.seq);
  if (seqs.size === 0) return [];
  const rows = await db.query.selectFrom('images').select(['seq', 'id', 'original_name', 'embedding'])
    .where('seq', 'in', [...seqs]).where('owner_id', '=', asked.ownerId).where('embedding', 'is not', null).execute();
  return rows.flatMap((row) => {
    const theirs = decodeEmbedding(row.embedding!);
    const similarity = theirs ? cosine(embedding, theirs) : 0;
    return similarity >= ALIKE_MIN ? [{ seq: row.seq, id: row.id, originalName: row.original_name, similarity }] : [];
  }).sort((a, b) => b.similarity - a.similarity || b.seq - a.seq).slice(0, limit);
}
