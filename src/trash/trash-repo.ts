import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Db } from '../db/index.js';
import type { Tables } from '../db/tables.js';
import type { ImageFormat } from '../images/analysis.js';
import {
  OverQuota, selectImages, storedBytesQuery, toRecord, upsertPending, writeTerms, type ImageRecord, type StoredFiles, type Visibility,
} from '../images/images-repo.js';

/** How long the trash keeps an image before the purge deletes it for good. */
export const TRASH_DAYS = 30;
export const TRASH_MS = TRASH_DAYS * 24 * 60 * 60 * 1000;

/** What the trash page shows of an image; the rest of its row waits, as it was, for a restore. */
export type TrashedImage = StoredFiles & {
  ownerId: number;
  originalName: string;
  trashedAt: number;
  width: number;
  height: number;
  visibility: Visibility;
};

export type TrashRepo = {
  /** Moves these of the owner's images (still these rows) to the trash in one transaction; resolves with their ids. */
  trash(ownerId: number, images: readonly Pick<ImageRecord, 'seq' | 'id'>[], at: number): Promise<string[]>;
  /**
   * Puts these of the owner's trashed images back, search terms and all; resolves with the ids restored. With
   * `quotaBytes`, all or none: OverQuota when the owner's stored bytes and theirs would pass it.
   */
  restore(ownerId: number, ids: readonly string[], quotaBytes?: number): Promise<string[]>;
  /** The owner's trash, the latest trashed first. */
  list(ownerId: number, limit: number): Promise<TrashedImage[]>;
  count(ownerId: number): Promise<number>;
  find(ownerId: number, id: string): Promise<TrashedImage | undefined>;
  /** These of the owner's trashed images, or (`ids` undefined) the `limit` trashed first. */
  findMany(ownerId: number, ids: readonly string[] | undefined, limit: number): Promise<TrashedImage[]>;
  /**
   * Deletes these of the owner's trashed images for good; their files are recorded as pending in the same
   * transaction, and the caller removes them (removeDeletedFiles). Resolves with the files to remove.
   */
  deleteForever(ownerId: number, ids: readonly string[], at: number): Promise<StoredFiles[]>;
  /** As deleteForever, for up to `limit` of anyone's images trashed before `before` (ms), the oldest first. */
  purge(before: number, at: number, limit: number): Promise<StoredFiles[]>;
};

type Q = Kysely<Tables>;
type ImageRow = Selectable<Tables['images']>;

// Rows per insert: an images row has 28 columns, and each dialect caps the parameters of one statement.
const ROWS_PER_INSERT = 500;

function* parts<T>(items: readonly T[], size: number) {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function present(row: Selectable<Tables['trashed_images']>): TrashedImage {
  const image = JSON.parse(row.image) as ImageRow;
  return {
    id: row.id, format: row.format as ImageFormat, ownerId: row.owner_id, originalName: row.original_name, trashedAt: row.trashed_at,
    width: image.width, height: image.height, visibility: image.visibility,
  };
}

/** Back into images: with its seq (its place in the lists) unless SQLite has given that seq to a newer image. */
async function putBack(tx: Q, rows: ImageRow[]): Promise<void> {
  const taken = new Set((await tx.selectFrom('images').select('seq').where('seq', 'in', rows.map((row) => row.seq)).execute()).map((r) => r.seq));
  const values = rows.map(({ seq, ...row }): Insertable<Tables['images']> => (taken.has(seq) ? row : { seq, ...row }));
  // Rows that keep their seq and rows that take a new one are not mixed in one statement: their columns differ.
  for (const group of [values.filter((v) => v.seq !== undefined), values.filter((v) => v.seq === undefined)]) {
    for (const part of parts(group, ROWS_PER_INSERT)) if (part.length) await tx.insertInto('images').values(part).execute();
  }
  const restored = await selectImages(tx).where('i.id', 'in', rows.map((row) => row.id)).execute();
  for (const record of restored.map(toRecord)) await writeTerms(tx, record);
}

export function createTrashRepo(db: Db): TrashRepo {
  const q = db.query;
  const trashed = (ownerId: number) => q.selectFrom('trashed_images').selectAll().where('owner_id', '=', ownerId);
  const forget = (tx: Q, gone: StoredFiles[], at: number) => (gone.length ? upsertPending(tx, gone, at) : undefined);

  return {
    trash: async (ownerId, images, at) => {
      if (images.length === 0) return [];
      return q.transaction().execute(async (tx) => {
        // DELETE ... RETURNING: the row as it was when it left, whatever another server changed just before.
        const rows = await tx.deleteFrom('images').where('owner_id', '=', ownerId)
          .where('seq', 'in', images.map((image) => image.seq)).where('id', 'in', images.map((image) => image.id))
          .returningAll().execute();
        const entries = rows.map((row) => ({
          id: row.id, owner_id: ownerId, trashed_at: at, original_name: row.original_name, format: row.format, image: JSON.stringify(row),
        }));
        for (const part of parts(entries, ROWS_PER_INSERT)) await tx.insertInto('trashed_images').values(part).execute();
        return rows.map((row) => row.id);
      });
    },

    restore: async (ownerId, ids, quotaBytes) => {
      if (ids.length === 0) return [];
      return q.transaction().execute(async (tx) => {
        // The owner's row first, as an upload under a quota takes it: uploads and restores take turns.
        if (quotaBytes !== undefined && db.dialect === 'postgres') await tx.selectFrom('users').select('id').where('id', '=', ownerId).forUpdate().execute();
        const rows = await tx.deleteFrom('trashed_images').where('owner_id', '=', ownerId).where('id', 'in', ids).returningAll().execute();
        const images = rows.map((row) => JSON.parse(row.image) as ImageRow);
        if (quotaBytes !== undefined) {
          // Trashed images do not count; coming back, they do.
          const stored = (await storedBytesQuery(tx, ownerId).executeTakeFirstOrThrow()).n;
          const back = images.reduce((sum, image) => sum + image.bytes, 0);
          if (stored + back > quotaBytes) throw new OverQuota(Math.max(0, quotaBytes - stored));
        }
        if (rows.length) await putBack(tx, images);
        return rows.map((row) => row.id);
      });
    },

    list: async (ownerId, limit) =>
      (await trashed(ownerId).orderBy('trashed_at', 'desc').orderBy('id').limit(limit).execute()).map(present),

    count: async (ownerId) =>
      Number((await q.selectFrom('trashed_images').select((eb) => eb.fn.countAll<number>().as('n')).where('owner_id', '=', ownerId).executeTakeFirstOrThrow()).n),

    find: async (ownerId, id) => {
      const row = await trashed(ownerId).where('id', '=', id).executeTakeFirst();
      return row && present(row);
    },

    findMany: async (ownerId, ids, limit) => {
      if (ids?.length === 0) return [];
      const rows = ids ? await trashed(ownerId).where('id', 'in', ids).orderBy('trashed_at', 'desc').orderBy('id').execute()
        : await trashed(ownerId).orderBy('trashed_at').orderBy('id').limit(limit).execute();
      return rows.map(present);
    },

    deleteForever: async (ownerId, ids, at) => {
      if (ids.length === 0) return [];
      return q.transaction().execute(async (tx) => {
        const gone = await tx.deleteFrom('trashed_images').where('owner_id', '=', ownerId).where('id', 'in', ids)
          .returning(['id', 'format']).execute() as StoredFiles[];
        await forget(tx, gone, at);
        return gone;
      });
    },

    purge: (before, at, limit) =>
      q.transaction().execute(async (tx) => {
        const oldest = tx.selectFrom('trashed_images').select('id').where('trashed_at', '<', before).orderBy('trashed_at').limit(limit);
        // Still old when deleted: a restore on another server may have taken one back meanwhile.
        const gone = await tx.deleteFrom('trashed_images').where('id', 'in', oldest).where('trashed_at', '<', before)
          .returning(['id', 'format']).execute() as StoredFiles[];
        await forget(tx, gone, at);
        return gone;
      }),
  };
}
