import { sql, type Kysely } from 'kysely';
import type { Db } from '../db/index.js';
import type { Tables } from '../db/tables.js';
import { correctionsJson, type Corrections } from '../images/corrections.js';
import { rewriteTerms, selectImages, toRecord, writeTagTerms, type ImageRecord } from '../images/images-repo.js';
import { MAX_TAGS, type Edit } from './edits.js';

type Target = Pick<ImageRecord, 'seq' | 'id'>;

export type CorrectionsRepo = {
  /**
   * Applies the owner's `edit` to one of their images and writes its search terms again, in one transaction.
   * Undefined when the image is no longer there (trashed meanwhile): then nothing changed.
   */
  correct(ownerId: number, image: Target, edit: Edit, at: number): Promise<ImageRecord | undefined>;
  /**
   * Adds `tag` to these of the owner's images (still these rows) in one transaction: the ids that have it
   * now, and the ids left without it because they had MAX_TAGS already.
   */
  tagMany(ownerId: number, images: readonly Target[], tag: string, at: number): Promise<{ tagged: string[]; full: string[] }>;
};

type Q = Kysely<Tables>;

// Rows per UPDATE of a bulk tag: two parameters each in its CASE, and the seqs again in its IN.
const ROWS_PER_UPDATE = 500;

/**
 * The owner's rows as they are, locked on PostgreSQL (in seq order, as every bulk change takes them) so a
 * visibility switch or a reclassify on another server cannot change them between this read and the terms
 * written from it. The id and the owner too: SQLite may have given a trashed image's seq to a newer one.
 */
async function lockedRecords(db: Db, tx: Q, ownerId: number, images: readonly Target[]): Promise<ImageRecord[]> {
  const seqs = images.map((image) => image.seq);
  const ids = images.map((image) => image.id);
  if (db.dialect === 'postgres') {
    await tx.selectFrom('images').select('seq').where('owner_id', '=', ownerId).where('seq', 'in', seqs).where('id', 'in', ids)
      .orderBy('seq').forNoKeyUpdate().execute();
  }
  return (await selectImages(tx).where('i.owner_id', '=', ownerId).where('i.seq', 'in', seqs).where('i.id', 'in', ids).execute()).map(toRecord);
}

/** Each row's corrections, in statements of ROWS_PER_UPDATE rows. */
async function writeCorrections(tx: Q, changes: readonly { seq: number; corrections: Corrections }[]): Promise<void> {
  for (let i = 0; i < changes.length; i += ROWS_PER_UPDATE) {
    const part = changes.slice(i, i + ROWS_PER_UPDATE);
    const value = sql<string | null>`CASE seq ${sql.join(part.map((c) => sql`WHEN ${c.seq} THEN ${correctionsJson(c.corrections)}`), sql` `)} END`;
    await tx.updateTable('images').set({ corrections: value }).where('seq', 'in', part.map((c) => c.seq)).execute();
  }
}

export function createCorrectionsRepo(db: Db): CorrectionsRepo {
  const q = db.query;
  return {
    correct: (ownerId, image, edit, at) =>
      q.transaction().execute(async (tx) => {
        const [record] = await lockedRecords(db, tx, ownerId, [image]);
        if (!record) return undefined;
        const corrections = edit(record, { by: ownerId, at });
        if (corrections === record.corrections) return record;
        await writeCorrections(tx, [{ seq: record.seq, corrections }]);
        const corrected = toRecord(await selectImages(tx).where('i.seq', '=', record.seq).executeTakeFirstOrThrow());
        await rewriteTerms(tx, corrected);
        return corrected;
      }),

    tagMany: async (ownerId, images, tag, at) => {
      if (images.length === 0) return { tagged: [], full: [] };
      return q.transaction().execute(async (tx) => {
        const records = await lockedRecords(db, tx, ownerId, images);
        const has = (r: ImageRecord) => r.corrections.tags.some((t) => t.name === tag);
        const full = records.filter((r) => !has(r) && r.corrections.tags.length >= MAX_TAGS);
        const adding = records.filter((r) => !has(r) && r.corrections.tags.length < MAX_TAGS);
        const made = { name: tag, by: ownerId, at };
        await writeCorrections(tx, adding.map((r) => ({ seq: r.seq, corrections: { ...r.corrections, tags: [...r.corrections.tags, made] } })));
        await writeTagTerms(tx, adding, tag);
        return { tagged: records.filter((r) => !full.includes(r)).map((r) => r.id), full: full.map((r) => r.id) };
      });
    },
  };
}
