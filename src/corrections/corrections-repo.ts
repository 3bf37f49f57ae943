import type { Kysely } from 'kysely';
import type { Db } from '../db/index.js';
import type { Tables } from '../db/tables.js';
import { correctionsJson, type Named } from '../images/corrections.js';
import { rewriteTerms, selectImages, toRecord, type ImageRecord } from '../images/images-repo.js';
import { strengthOf } from '../search/terms.js';
import { MAX_TAGS, type Edit } from './edits.js';

type Target = Pick<ImageRecord, 'seq' | 'id'>;

export type CorrectionsRepo = {
  /**
   * Applies `edit` to one of the owner's images and writes its search terms again, in one transaction.
   * Undefined when the image is no longer there (trashed meanwhile): then nothing changed.
   */
  correct(ownerId: number, image: Target, edit: Edit, by: number, at: number): Promise<ImageRecord | undefined>;
  /**
   * Adds `tag` to these of the owner's images (still these rows) in one transaction: the ids that have it
   * now, and the ids left without it because they had MAX_TAGS already.
   */
  tagMany(ownerId: number, images: readonly Target[], tag: Named): Promise<{ tagged: string[]; full: string[] }>;
};

type Q = Kysely<Tables>;

// Term rows per insert: five parameters each, well under either dialect's cap on one statement.
const TERMS_PER_INSERT = 1000;

/**
 * The owner's rows, locked first on PostgreSQL (a no-op update), so a visibility switch or a reclassify on
 * another server cannot change them between this read and the terms written from it. The id and the owner
 * too: SQLite may have given a trashed image's seq to a newer one.
 */
async function lockedRecords(tx: Q, ownerId: number, images: readonly Target[]): Promise<ImageRecord[]> {
  const seqs = images.map((image) => image.seq);
  const ids = images.map((image) => image.id);
  await tx.updateTable('images').set((eb) => ({ corrections: eb.ref('corrections') }))
    .where('owner_id', '=', ownerId).where('seq', 'in', seqs).where('id', 'in', ids).execute();
  return (await selectImages(tx).where('i.owner_id', '=', ownerId).where('i.seq', 'in', seqs).where('i.id', 'in', ids).execute()).map(toRecord);
}

export function createCorrectionsRepo(db: Db): CorrectionsRepo {
  const q = db.query;
  return {
    correct: (ownerId, image, edit, by, at) =>
      q.transaction().execute(async (tx) => {
        const [record] = await lockedRecords(tx, ownerId, [image]);
        if (!record) return undefined;
        const corrections = edit(record, { by, at });
        if (corrections === record.corrections) return record;
        await tx.updateTable('images').set({ corrections: correctionsJson(corrections) }).where('seq', '=', record.seq).execute();
        const corrected = toRecord((await selectImages(tx).where('i.seq', '=', record.seq).executeTakeFirstOrThrow()));
        await rewriteTerms(tx, corrected);
        return corrected;
      }),

    tagMany: async (ownerId, images, tag) => {
      if (images.length === 0) return { tagged: [], full: [] };
      return q.transaction().execute(async (tx) => {
        const records = await lockedRecords(tx, ownerId, images);
        const full = records.filter((r) => r.corrections.tags.length >= MAX_TAGS && !r.corrections.tags.some((t) => t.name === tag.name));
        const adding = records.filter((r) => !full.includes(r) && !r.corrections.tags.some((t) => t.name === tag.name));
        for (const record of adding) {
          const corrections = { ...record.corrections, tags: [...record.corrections.tags, tag] };
          await tx.updateTable('images').set({ corrections: correctionsJson(corrections) }).where('seq', '=', record.seq).execute();
        }
        // The one new term of each image, as writeTerms would write it (a tag holds in full): a whole
        // rewrite of 1,000 images' terms would be two statements an image.
        const rows = adding.map((r) => ({ term: tag.name, strength: strengthOf(1), image_seq: r.seq, owner_id: ownerId, public: r.visibility === 'public' ? 1 as const : 0 as const }));
        for (let i = 0; i < rows.length; i += TERMS_PER_INSERT) {
          await tx.insertInto('image_terms').values(rows.slice(i, i + TERMS_PER_INSERT))
            .onConflict((oc) => oc.columns(['term', 'public', 'image_seq']).doUpdateSet((eb) => ({ strength: eb.ref('excluded.strength') }))).execute();
        }
        const tooMany = new Set(full.map((r) => r.id));
        return { tagged: records.filter((r) => !tooMany.has(r.id)).map((r) => r.id), full: [...tooMany] };
      });
    },
  };
}
