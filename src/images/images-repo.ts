import { sql, type Kysely } from 'kysely';
import type { Db } from '../db/index.js';
import { unindexed } from '../db/fragments.js';
import type { Tables } from '../db/tables.js';
import type { User } from '../auth/users.js';
import type { Classification, Label } from './classifier.js';
import { encodeEmbedding, decodeEmbedding, type Embedding } from './embedding.js';
import { alikeKeyOf, findAlike, type AlikeImage } from './alike.js';
import type { ImageFormat } from './analysis.js';
import { searchTermsFor, strengthOf, type SearchableColour } from '../search/terms.js';
import type { PaletteColour } from './palette.js';
import { NO_DETAILS, shotAt, type PhotoDetails } from './metadata/details.js';
import { FLAT, findNearCopies, hashColumns, type NearCopy } from './near-copies.js';
import type { PerceptualHash } from './perceptual-hash.js';
import { keptLabels, NO_CORRECTIONS, readCorrections, type Corrections } from './corrections.js';

export type Visibility = 'public' | 'private';

/** The owner's quota has no room for the image: `left` bytes were free. */
export class OverQuota extends Error {
  readonly code = 'OVER_QUOTA';
  constructor(readonly left: number) {
    super('over the storage quota');
  }
}

/** The owner already has an image with these bytes (`id`), and the upload did not ask to keep a copy. */
export class AlreadyStored extends Error {
  readonly code = 'ALREADY_STORED';
  constructor(readonly id: string) {
    super('the owner already has these bytes');
  }
}

export type ImageRecord = {
  seq: number;
  id: string;
  ownerId: number;
  owner: string;
  visibility: Visibility;
  originalName: string;
  format: ImageFormat;
  bytes: number;
  width: number;
  height: number;
  colourHex: string;
  /** The colour tag: the owner's name for the colour when they gave one, else the measured one. */
  colourName: string;
  /** The colour's name as measured (colour_name), whatever the owner calls it. */
  measuredColourName: string;
  /** The model's labels the owner kept (all of them unless some were removed); null until a model has looked at the image ("not classified yet"). */
  labels: Label[] | null;
  /** The owner's tags, removed labels and colour name, each with who and when (./corrections.ts). */
  corrections: Corrections;
  createdAt: number;
  /** The camera's clock ('2019-08-26T12:45:35') and its UTC offset ('+09:00'), when it recorded them. */
  takenAt: string | null;
  takenOffset: string | null;
  /** ms: the camera's clock read as UTC, else the upload time (shotAt in ./metadata/details.ts): the order "by date taken". */
  shotAt: number;
  /** Camera, exposure and place, the owner's to see; null until read (images stored before they were). */
  exif: ExifDetails | null;
  /** The owner's setting "keep location in my public photos". */
  ownerSharesLocation: boolean;
  /** The colours that each cover a real share of the image, most first; null until read (images stored before). */
  palette: PaletteColour[] | null;
};

export type ExifDetails = Omit<PhotoDetails, 'takenAt' | 'takenOffset'>;

/** What an upload knows; without `details` the image is stored as having none. */
export type NewImage = Omit<ImageRecord, 'seq' | 'ownerId' | 'owner' | 'labels' | 'measuredColourName' | 'corrections' | 'takenAt' | 'takenOffset' | 'shotAt' | 'exif' | 'ownerSharesLocation' | 'palette'> & {
  details?: PhotoDetails;
  /** Without one the image is stored as not read (its colour tag alone counts in search until it is). */
  palette?: PaletteColour[];
  /** Hex SHA-256 of the original; without one the image is not known by its bytes until `npm run reclassify` reads them. */
  sha256?: string;
  /** Without one the image is not found as a near-duplicate until `npm run reclassify` reads it; null: flat. */
  hash?: PerceptualHash | null;
  /** The model's embedding, when a model looked at the image. */
  embedding?: Embedding | null;
};

/**
 * `quotaBytes`: refuse the image (OverQuota) when the owner's stored bytes and its own would pass this.
 * `refuseCopy`: refuse it (AlreadyStored) when the owner already has an image with the same sha256.
 */
export type InsertRules = { quotaBytes?: number; refuseCopy?: boolean };

/** The two orders a list can be read in: newest upload first, or newest photo first. */
export type Order = 'uploaded' | 'taken';

/** What names an image's objects in the storage. */
export type StoredFiles = { id: string; format: ImageFormat };

/** One list page: rows newest first, and whether there is more on either side. */
export type Page = { images: ImageRecord[]; hasNewer: boolean; hasOlder: boolean };
/** `before`/`after` are the seq of the image at the edge of the page; by date taken, `at` is that image's shotAt. */
export type Cursor = { before?: number; after?: number; at?: number; offset?: number };

export type ImagesRepo = {
  /**
   * The image row, its labels and its search terms, all or nothing; clears the upload's pending record. The
   * rules are checked in the same transaction, so uploads through several servers at once cannot both pass.
   */
  insert(image: NewImage, owner: User, labels: Label[] | null, rules?: InsertRules): Promise<ImageRecord>;
  /** The id of one of the owner's images whose original has these bytes (the oldest), if any. */
  findCopy(ownerId: number, sha256: string): Promise<string | undefined>;
  /** Images whose checksum was never read (stored before it was), and the checksum read later. */
  noChecksumSeqs(): Promise<number[]>;
  setChecksum(seq: number, sha256: string): Promise<void>;
  /**
   * Other images of the same owner that look like this one (resized, recompressed, lightly cropped copies),
   * nearest first; to a viewer who is not the owner, only public ones.
   */
  nearCopiesOf(image: Pick<ImageRecord, 'seq' | 'id' | 'ownerId'>, viewerId: number, limit: number): Promise<NearCopy[]>;
  /** The owner's images within the near radius of `hash` but `except`, nearest first. */
  findNearCopies(ownerId: number, hash: PerceptualHash, limit: number, except?: number): Promise<NearCopy[]>;
  /** Images whose perceptual hash was never read (stored before it was), and the hash read later. */
  noHashSeqs(): Promise<number[]>;
  setHash(seq: number, hash: PerceptualHash | null): Promise<void>;
  /** Labels and embedding from a later classification (npm run reclassify), with the search terms they bring. */
  setLabels(seq: number, seen: Classification): Promise<void>;
  /**
   * Other images of the same owner that the model sees much as it sees this one, most alike first; to a
   * viewer who is not the owner, only public ones. None while the image has no embedding.
   */
  alikeOf(image: Pick<ImageRecord, 'seq' | 'id' | 'ownerId' | 'labels'>, viewerId: number, limit: number): Promise<AlikeImage[]>;
  /** Images classified before embeddings were kept, and the embedding (with the labels it came with) read later (npm run reclassify). */
  noEmbeddingSeqs(): Promise<number[]>;
  setEmbedding(seq: number, seen: { labels: Label[]; embedding: Embedding }): Promise<void>;
  /** What the camera recorded, read later from the stored original (npm run reclassify). */
  setDetails(seq: number, details: PhotoDetails): Promise<void>;
  /** The colours, read later from the stored original (npm run reclassify), with the search terms they bring. */
  setPalette(seq: number, palette: PaletteColour[]): Promise<void>;
  /** Rewrites the terms of up to `limit` images stored before terms had strengths; resolves with how many. */
  rankStale(limit: number): Promise<number>;
  /** Undefined both when the id does not exist and when the viewer may not see it: the two must look alike. */
  findVisible(id: string, viewerId: number): Promise<ImageRecord | undefined>;
  /** Of these ids, the images the viewer may see, newest first; the others are left out, whatever the reason. */
  findVisibleMany(ids: readonly string[], viewerId: number): Promise<ImageRecord[]>;
  findBySeq(seq: number): Promise<ImageRecord | undefined>;
  /** Keyset pages (cheap at any depth); a plain offset only when a page number is typed in. */
  listVisible(scope: Scope, cursor: Cursor, limit: number, order?: Order): Promise<Page>;
  countVisible(scope: Scope): Promise<number>;
  /** False when the image is no longer there (deleted or trashed meanwhile): then nothing changed. */
  setVisibility(image: Pick<ImageRecord, 'seq' | 'id'>, visibility: Visibility): Promise<boolean>;
  /** One transaction for all of them; only rows that are still these images of this owner change, and their ids are the answer. */
  setVisibilityMany(ownerId: number, images: readonly Pick<ImageRecord, 'seq' | 'id'>[], visibility: Visibility): Promise<string[]>;
  /**
   * Labels and terms go with the row (ON DELETE CASCADE); the objects are recorded as pending in the same
   * transaction, and the caller removes them, then calls clearPending.
   */
  delete(image: Pick<ImageRecord, 'seq' | 'id' | 'format'>, at: number): Promise<void>;
  /** As delete, for many of one owner's images in one transaction; only rows that are still these images go. */
  deleteMany(ownerId: number, images: readonly Pick<ImageRecord, 'seq' | 'id' | 'format'>[], at: number): Promise<void>;
  /** Before an upload's objects are written: until its row is inserted they are the sweep's to remove. */
  markPending(files: StoredFiles, at: number): Promise<void>;
  clearPending(id: string): Promise<void>;
  /** Pending records made before `before` (ms): younger ones may belong to an upload still running elsewhere. */
  pendingFiles(before?: number): Promise<StoredFiles[]>;
  hasImages(): Promise<boolean>;
  unclassifiedSeqs(): Promise<number[]>;
  /** Images whose camera details were never read (stored before they were). */
  unreadSeqs(): Promise<number[]>;
  /** Images whose colours were never read (stored before they were). */
  noPaletteSeqs(): Promise<number[]>;
  /** Bytes of the originals an owner has stored (thumbnails are not counted), for the quota. */
  storedBytes(ownerId: number): Promise<number>;
};

type Q = Kysely<Tables>;

/** Every column of an image with its owner's name, in one query. */
export function selectImages(q: Q) {
  return q.selectFrom('images as i').innerJoin('users as u', 'u.id', 'i.owner_id').select([
    'i.seq', 'i.id', 'i.owner_id as ownerId', 'u.username as owner', 'i.visibility', 'i.original_name as originalName',
    'i.format', 'i.bytes', 'i.width', 'i.height', 'i.colour_hex as colourHex', 'i.colour_name as colourName',
    'i.classified', 'i.created_at as createdAt', 'i.labels', 'i.taken_at as takenAt', 'i.taken_offset as takenOffset',
    'i.shot_at as shotAt', 'i.details', 'u.share_location', 'i.palette', 'i.corrections',
  ]);
}

type Row = Omit<ImageRecord, 'labels' | 'format' | 'exif' | 'ownerSharesLocation' | 'palette' | 'measuredColourName' | 'corrections'> & {
  format: string; classified: 0 | 1; labels: string | null; details: string | null; share_location: 0 | 1; palette: string | null; corrections: string | null;
};

/**
 * The row as the app sees it: the owner's corrections applied, so no reader can show a removed label.
 * Field by field: destructuring a driver's row with `...rest` and spreading it again took 14 µs a row
 * (0.7 ms of a page of 48), this 1.3 µs.
 */
export function toRecord(row: Row): ImageRecord {
  const model = row.classified && row.labels ? (JSON.parse(row.labels) as Label[]) : null;
  const corrections = withoutStaleRemovals(readCorrections(row.corrections), model);
  return {
    seq: row.seq, id: row.id, ownerId: row.ownerId, owner: row.owner, visibility: row.visibility, originalName: row.originalName,
    format: row.format as ImageFormat, bytes: row.bytes, width: row.width, height: row.height, colourHex: row.colourHex,
    colourName: corrections.colour?.name ?? row.colourName,
    measuredColourName: row.colourName,
    createdAt: row.createdAt, takenAt: row.takenAt, takenOffset: row.takenOffset, shotAt: row.shotAt,
    corrections,
    palette: row.palette === null ? null : (JSON.parse(row.palette) as PaletteColour[]),
    ownerSharesLocation: row.share_location === 1,
    labels: model && keptLabels(model, corrections),
    exif: exifOf(row.details),
  };
}

/** A removal of a label a later reclassify no longer gives has nothing left to remove: it is not shown (and goes at the next correction). */
const withoutStaleRemovals = (c: Corrections, model: Label[] | null): Corrections =>
  model && c.removed.some((r) => !model.some((label) => label.name === r.name)) ? { ...c, removed: c.removed.filter((r) => model.some((label) => label.name === r.name)) } : c;

const exifOf = (details: string | null): ExifDetails | null =>
  details === null ? null : { ...NO_EXIF, ...(JSON.parse(details) as Partial<ExifDetails>) };

const NO_EXIF: ExifDetails = (({ takenAt: _a, takenOffset: _o, ...rest }) => rest)(NO_DETAILS);

/** The columns of what the camera recorded (shot_at aside); details keeps only the fields it has. */
function detailColumns(details: PhotoDetails) {
  const { takenAt, takenOffset, ...rest } = details;
  const known = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null));
  return { taken_at: takenAt, taken_offset: takenOffset, details: JSON.stringify(known) };
}

/** Terms written by this code carry strengths; 0 marks rows from before (migration 012). */
const TERMS_VERSION = 1;

const paletteJson = (palette: PaletteColour[] | null) => (palette ? JSON.stringify(palette.map(({ name, hex, share }) => ({ name, hex, share }))) : null);

/** The embedding's columns: the embedding, and the key its look-alikes are found by (./alike.ts); both NULL without one. */
const embeddingColumns = (labels: Label[] | null, embedding: Embedding | null | undefined) =>
  embedding ? { embedding: encodeEmbedding(embedding), alike_key: alikeKeyOf(labels) } : { embedding: null, alike_key: null };

/** The labels column: JSON of the labels in rank order, NULL until classified. */
const labelsJson = (labels: Label[] | null) => (labels ? JSON.stringify(labels.map(({ name, probability }) => ({ name, probability }))) : null);

/**
 * Public, or the viewer's own. In SQLite the columns are kept off their indexes, so the planner walks seq
 * backwards and filters in place, reading one page worth of rows at any depth.
 */
export const visibleTo = (db: Db, viewer: number) =>
  sql<boolean>`(${unindexed(db, 'i.visibility')} = 'public' OR ${unindexed(db, 'i.owner_id')} = ${viewer})`;

/**
 * Which images a list holds: every one the viewer may see, or one owner's. Of their own the viewer sees all
 * or (`only`) one visibility; of another's only the public ones, whatever `only` asks.
 */
export type Scope = { viewer: number; owner?: number; only?: Visibility };

/** The owner's visibility a scope is limited to, if any. */
const scopeVisibility = ({ viewer, owner, only }: Scope): Visibility | undefined => (owner === viewer ? only : 'public');

/** A scope's rows: an owner's are the owner indexes' ranges (migration 013), so these columns stay indexed. */
const inScope = (db: Db, scope: Scope) => {
  if (scope.owner === undefined) return visibleTo(db, scope.viewer);
  const visibility = scopeVisibility(scope);
  return visibility ? sql<boolean>`(i.owner_id = ${scope.owner} AND i.visibility = ${visibility})` : sql<boolean>`i.owner_id = ${scope.owner}`;
};

/**
 * The rows of one list page, `limit` of them past the cursor: newest first, or oldest first on the newer side
 * (`after`). By date taken the key is (shot_at, seq), so photos taken in the same second keep one order on
 * every page. Exported for its plan test.
 */
export function listQuery(db: Db, scope: Scope, cursor: Cursor, limit: number, order: Order) {
  const visible = selectImages(db.query).where(inScope(db, scope)).limit(limit);
  const byTaken = order === 'taken';
  const edge = cursor.after ?? cursor.before;
  if (byTaken && edge !== undefined && cursor.at === undefined) throw new Error('a cursor by date taken needs its shotAt');
  const side = cursor.after !== undefined ? '>' : '<';
  const direction = side === '>' ? 'asc' : 'desc';
  const beyond = edge === undefined ? visible.offset(cursor.offset ?? 0)
    : byTaken ? visible.where((eb) => eb(eb.refTuple('i.shot_at', 'i.seq'), side, eb.tuple(cursor.at!, edge)))
      : visible.where('i.seq', side, edge);
  return (byTaken ? beyond.orderBy('i.shot_at', direction) : beyond).orderBy('i.seq', direction);
}

/**
 * The quota's sum and the gallery's count read image_totals, which triggers keep in step with images
 * (migration 009): one row per owner and visibility, so neither grows with the library. Exported for their
 * plan tests.
 */
export const storedBytesQuery = (q: Q, ownerId: number) =>
  q.selectFrom('image_totals').select(sql<number>`CAST(coalesce(sum(bytes), 0) AS BIGINT)`.as('n')).where('owner_id', '=', ownerId);

export const countVisibleQuery = (q: Q, scope: Scope) => {
  const totals = q.selectFrom('image_totals').select(sql<number>`CAST(coalesce(sum(images), 0) AS BIGINT)`.as('n'));
  if (scope.owner === undefined) {
    return totals.where((w) => w.or([w('visibility', '=', 'public'), w.and([w('owner_id', '=', scope.viewer), w('visibility', '=', 'private')])]));
  }
  const visibility = scopeVisibility(scope);
  const owned = totals.where('owner_id', '=', scope.owner);
  return visibility ? owned.where('visibility', '=', visibility) : owned;
};

export const findCopyQuery = (q: Q, ownerId: number, sha256: string) =>
  q.selectFrom('images').select('id').where('owner_id', '=', ownerId).where('sha256', '=', sha256).orderBy('seq').limit(1);

/**
 * The last word on the quota and on copies, for uploads through several servers at once (each server sees
 * only its own uploads in flight), and for two files of one upload with the same bytes: the owner's row is
 * locked, so their inserts take turns between these reads and the commit. SQLite has one writer at a time
 * already.
 */
async function checkRules(db: Db, tx: Q, ownerId: number, image: NewImage, rules: InsertRules): Promise<void> {
  const copy = rules.refuseCopy && image.sha256 !== undefined;
  if (rules.quotaBytes === undefined && !copy) return;
  if (db.dialect === 'postgres') await tx.selectFrom('users').select('id').where('id', '=', ownerId).forUpdate().execute();
  if (copy) {
    const twin = await findCopyQuery(tx, ownerId, image.sha256!).executeTakeFirst();
    if (twin) throw new AlreadyStored(twin.id);
  }
  if (rules.quotaBytes === undefined) return;
  const stored = (await storedBytesQuery(tx, ownerId).executeTakeFirstOrThrow()).n;
  if (stored + image.bytes > rules.quotaBytes) throw new OverQuota(Math.max(0, rules.quotaBytes - stored));
}

/**
 * The colours search knows an image by: its palette, or for an image whose palette was never read its colour
 * tag, counted as half the image (its share is unknown until `npm run reclassify` reads the file). A colour
 * the owner named holds in full, in place of the measured colour it corrects.
 */
function searchColours(image: Pick<ImageRecord, 'palette' | 'colourName' | 'colourHex' | 'measuredColourName' | 'corrections'>): SearchableColour[] {
  const measured = image.palette ?? [{ name: image.measuredColourName, hex: image.colourHex, share: 0.5 }];
  if (!image.corrections.colour) return measured;
  return [{ name: image.colourName, hex: image.colourHex, share: 1 }, ...measured.filter((c) => c.name !== image.measuredColourName)];
}

export async function writeTerms(q: Q, record: ImageRecord): Promise<void> {
  // One statement, however many rows: 500 single-row inserts in one PostgreSQL transaction took 905 ms.
  const terms = searchTermsFor({
    id: record.id, owner: record.owner, labels: record.labels ?? [], colours: searchColours(record), tags: record.corrections.tags.map((tag) => tag.name),
  });
  const isPublic = record.visibility === 'public' ? 1 : 0;
  await q.insertInto('image_terms')
    .values([...terms].map(([term, strength]) => ({ term, strength, image_seq: record.seq, owner_id: record.ownerId, public: isPublic })))
    .execute();
}

/** An image's terms again, from its row as it now is (labels, palette, corrections, visibility). */
export async function rewriteTerms(tx: Q, record: ImageRecord): Promise<void> {
  await tx.deleteFrom('image_terms').where('image_seq', '=', record.seq).execute();
  await writeTerms(tx, record);
}

/**
 * One more tag's term for each of these images, as writeTerms writes an owner's tag (in full): for a tag
 * added to many images at once, where writing all of their terms again would be two statements an image.
 */
export async function writeTagTerms(tx: Q, records: readonly Pick<ImageRecord, 'seq' | 'ownerId' | 'visibility'>[], tag: string): Promise<void> {
  const rows = records.map((r) => ({ term: tag, strength: strengthOf(1), image_seq: r.seq, owner_id: r.ownerId, public: r.visibility === 'public' ? 1 as const : 0 as const }));
  // Five parameters a row: well under either dialect's cap on one statement.
  for (let i = 0; i < rows.length; i += 1000) {
    await tx.insertInto('image_terms').values(rows.slice(i, i + 1000))
      .onConflict((oc) => oc.columns(['term', 'public', 'image_seq']).doUpdateSet((eb) => ({ strength: eb.ref('excluded.strength') }))).execute();
  }
}

/** Objects the sweep removes unless cleared first: written in the transaction that makes them unwanted. */
export const upsertPending = (tx: Q, files: readonly StoredFiles[], at: number) =>
  tx.insertInto('pending_files').values(files.map(({ id, format }) => ({ id, format, created_at: at })))
    .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ format: eb.ref('excluded.format'), created_at: at }))).execute();

export function createImagesRepo(db: Db): ImagesRepo {
  const q = db.query;
  const bySeq = async (tx: Q, seq: number) => {
    const row = await selectImages(tx).where('i.seq', '=', seq).executeTakeFirst();
    return row && toRecord(row);
  };
  // A seq alone could name a newer image by then (SQLite reuses the highest seq after a delete): the id and
  // the owner make sure a write only touches the rows the caller looked at.
  type Target = Pick<ImageRecord, 'seq' | 'id'>;
  const setVisibility = (images: readonly Target[], visibility: Visibility, ownerId?: number) =>
    q.transaction().execute(async (tx) => {
      const seqs = images.map((image) => image.seq);
      let rows = tx.updateTable('images').set({ visibility }).where('seq', 'in', seqs).where('id', 'in', images.map((image) => image.id));
      if (ownerId !== undefined) rows = rows.where('owner_id', '=', ownerId);
      const changed = await rows.returning(['seq', 'id']).execute();
      if (changed.length === 0) return [];
      let terms = tx.updateTable('image_terms').set({ public: visibility === 'public' ? 1 : 0 }).where('image_seq', 'in', changed.map((row) => row.seq));
      if (ownerId !== undefined) terms = terms.where('owner_id', '=', ownerId);
      await terms.execute();
      return changed.map((row) => row.id);
    });
  const deleteImages = (images: readonly (Target & StoredFiles)[], at: number, ownerId?: number) =>
    q.transaction().execute(async (tx) => {
      let rows = tx.deleteFrom('images').where('seq', 'in', images.map((image) => image.seq)).where('id', 'in', images.map((image) => image.id));
      if (ownerId !== undefined) rows = rows.where('owner_id', '=', ownerId);
      await rows.execute();
      await upsertPending(tx, images, at);
    });

  return {
    insert: (image, owner, labels, rules = {}) =>
      q.transaction().execute(async (tx) => {
        const details = image.details ?? NO_DETAILS;
        const columns = { ...detailColumns(details), shot_at: shotAt(details.takenAt, image.createdAt) };
        await checkRules(db, tx, owner.id, image, rules);
        const { seq } = await tx.insertInto('images').values({
          id: image.id, owner_id: owner.id, visibility: image.visibility, original_name: image.originalName,
          format: image.format, bytes: image.bytes, width: image.width, height: image.height,
          colour_hex: image.colourHex, colour_name: image.colourName, classified: labels ? 1 : 0, labels: labelsJson(labels),
          created_at: image.createdAt, palette: paletteJson(image.palette ?? null), terms_version: TERMS_VERSION, sha256: image.sha256 ?? null, ...hashColumns(image.hash), ...columns,
          ...embeddingColumns(labels, image.embedding),
        }).returning('seq').executeTakeFirstOrThrow();
        await tx.deleteFrom('pending_files').where('id', '=', image.id).execute();
        const { details: _, sha256: __, hash: ___, embedding: ____, palette = null, ...known } = image;
        const { share_location } = await tx.selectFrom('users').select('share_location').where('id', '=', owner.id).executeTakeFirstOrThrow();
        const record: ImageRecord = {
          ...known, palette, seq, ownerId: owner.id, owner: owner.username, labels, ownerSharesLocation: share_location === 1,
          measuredColourName: image.colourName, corrections: NO_CORRECTIONS,
          takenAt: columns.taken_at, takenOffset: columns.taken_offset, shotAt: columns.shot_at, exif: exifOf(columns.details),
        };
        await writeTerms(tx, record);
        return record;
      }),

    setLabels: (seq, { labels, embedding }) =>
      q.transaction().execute(async (tx) => {
        // The row's update first: on PostgreSQL it locks the row, so the visibility read next cannot be
        // changed by the owner before the terms are written with it (and locks are taken in the same order
        // as setVisibility and delete take them).
        const { numUpdatedRows } = await tx.updateTable('images').set({ classified: 1, labels: labelsJson(labels), ...embeddingColumns(labels, embedding) }).where('seq', '=', seq).executeTakeFirst();
        if (numUpdatedRows === 0n) return; // deleted meanwhile
        await rewriteTerms(tx, (await bySeq(tx, seq))!);
      }),

    setPalette: (seq, palette) =>
      q.transaction().execute(async (tx) => {
        // As in setLabels: the row's update locks it before its visibility is read.
        const { numUpdatedRows } = await tx.updateTable('images').set({ palette: paletteJson(palette), terms_version: TERMS_VERSION }).where('seq', '=', seq).executeTakeFirst();
        if (numUpdatedRows > 0n) await rewriteTerms(tx, (await bySeq(tx, seq))!);
      }),

    async rankStale(limit) {
      const stale = await q.selectFrom('images').select('seq').where('terms_version', '=', 0).orderBy('seq').limit(limit).execute();
      for (const { seq } of stale) {
        await q.transaction().execute(async (tx) => {
          const { numUpdatedRows } = await tx.updateTable('images').set({ terms_version: TERMS_VERSION }).where('seq', '=', seq).where('terms_version', '=', 0).executeTakeFirst();
          if (numUpdatedRows > 0n) await rewriteTerms(tx, (await bySeq(tx, seq))!);
        });
      }
      return stale.length;
    },

    setDetails: async (seq, details) => {
      // shot_at falls back to the upload time, which only the row knows.
      const shot = details.takenAt ? shotAt(details.takenAt, 0) : sql<number>`created_at`;
      await q.updateTable('images').set({ ...detailColumns(details), shot_at: shot }).where('seq', '=', seq).execute();
    },

    async findVisible(id, viewerId) {
      const row = await selectImages(q).where('i.id', '=', id).where(visibleTo(db, viewerId)).executeTakeFirst();
      return row && toRecord(row);
    },

    async findVisibleMany(ids, viewerId) {
      if (ids.length === 0) return [];
      const rows = await selectImages(q).where('i.id', 'in', ids).where(visibleTo(db, viewerId)).orderBy('i.seq', 'desc').execute();
      return rows.map(toRecord);
    },

    findBySeq: (seq) => bySeq(q, seq),

    async listVisible(scope, cursor, limit, order = 'uploaded') {
      const rows = await listQuery(db, scope, cursor, limit + 1, order).execute();
      if (cursor.after !== undefined) {
        return { images: rows.slice(0, limit).reverse().map(toRecord), hasNewer: rows.length > limit, hasOlder: true };
      }
      const hasNewer = cursor.before !== undefined || (cursor.offset ?? 0) > 0;
      return { images: rows.slice(0, limit).map(toRecord), hasNewer, hasOlder: rows.length > limit };
    },

    countVisible: async (scope) => (await countVisibleQuery(q, scope).executeTakeFirstOrThrow()).n,

    setVisibility: async (image, visibility) => (await setVisibility([image], visibility)).length === 1,
    setVisibilityMany: async (ownerId, images, visibility) => (images.length ? setVisibility(images, visibility, ownerId) : []),
    delete: (image, at) => deleteImages([image], at),
    deleteMany: async (ownerId, images, at) => {
      if (images.length) await deleteImages(images, at, ownerId);
    },

    markPending: async (files, at) => void (await upsertPending(q, [files], at)),
    clearPending: async (id) => void (await q.deleteFrom('pending_files').where('id', '=', id).execute()),
    pendingFiles: async (before = Number.MAX_SAFE_INTEGER) =>
      (await q.selectFrom('pending_files').select(['id', 'format']).where('created_at', '<', before).orderBy('created_at').orderBy('id').execute())
        .map((r) => ({ id: r.id, format: r.format as ImageFormat })),
    // Trashed images count: their files are still in the storage.
    hasImages: async () => (await q.selectFrom('images').select('id').unionAll(q.selectFrom('trashed_images').select('id')).limit(1).executeTakeFirst()) !== undefined,
    unclassifiedSeqs: async () =>
      (await q.selectFrom('images').select('seq').where('classified', '=', 0).orderBy('seq').execute()).map((r) => r.seq),
    unreadSeqs: async () =>
      (await q.selectFrom('images').select('seq').where('details', 'is', null).orderBy('seq').execute()).map((r) => r.seq),
    noPaletteSeqs: async () =>
      (await q.selectFrom('images').select('seq').where('palette', 'is', null).orderBy('seq').execute()).map((r) => r.seq),
    findCopy: async (ownerId, sha256) => (await findCopyQuery(q, ownerId, sha256).executeTakeFirst())?.id,
    noChecksumSeqs: async () =>
      (await q.selectFrom('images').select('seq').where('sha256', 'is', null).orderBy('seq').execute()).map((r) => r.seq),
    setChecksum: async (seq, sha256) => void (await q.updateTable('images').set({ sha256 }).where('seq', '=', seq).execute()),
    async nearCopiesOf(image, viewerId, limit) {
      // The id too: SQLite may have given a deleted image's seq to a newer one.
      const row = await q.selectFrom('images').select(['phash_0', 'phash_1', 'phash_2', 'phash_3']).where('seq', '=', image.seq).where('id', '=', image.id).executeTakeFirst();
      if (!row || row.phash_0 === null || row.phash_0 === FLAT) return [];
      const hash: PerceptualHash = [row.phash_0, row.phash_1!, row.phash_2!, row.phash_3!];
      return findNearCopies(db, image.ownerId, hash, { limit, except: image.seq, publicOnly: viewerId !== image.ownerId });
    },
    findNearCopies: (ownerId, hash, limit, except) => findNearCopies(db, ownerId, hash, { limit, except }),
    noHashSeqs: async () =>
      (await q.selectFrom('images').select('seq').where('phash_0', 'is', null).orderBy('seq').execute()).map((r) => r.seq),
    setHash: async (seq, hash) => void (await q.updateTable('images').set(hashColumns(hash)).where('seq', '=', seq).execute()),
    async alikeOf(image, viewerId, limit) {
      const row = await q.selectFrom('images').select('embedding').where('seq', '=', image.seq).where('id', '=', image.id).executeTakeFirst();
      const embedding = row?.embedding ? decodeEmbedding(row.embedding) : null;
      if (!embedding) return [];
      return findAlike(db, { seq: image.seq, ownerId: image.ownerId, labels: image.labels ?? [] }, embedding, { limit, publicOnly: viewerId !== image.ownerId });
    },
    noEmbeddingSeqs: async () =>
      (await q.selectFrom('images').select('seq').where('classified', '=', 1).where('embedding', 'is', null).orderBy('seq').execute()).map((r) => r.seq),
    setEmbedding: async (seq, { labels, embedding }) =>
      void (await q.updateTable('images').set(embeddingColumns(labels, embedding)).where('seq', '=', seq).execute()),
    storedBytes: async (ownerId) => (await storedBytesQuery(q, ownerId).executeTakeFirstOrThrow()).n,
  };
}
