import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import type { User } from '../auth/users.js';
import { analyseImage, type Admit, type Analysis } from './analysis.js';
import type { Classification, Classifier } from './classifier.js';
import { nameColour } from './colour.js';
import { defaultDecodeBudget, type DecodeBudget } from './decode-budget.js';
import { AlreadyStored, OverQuota, type ImageRecord, type ImagesRepo, type Visibility } from './images-repo.js';
import { createQuota } from './quota.js';
import { timed, type Metrics } from '../metrics/metrics.js';
import { ImageRejected, rejectionMessage, type Rejection, type RejectionReason } from './rejections.js';
import { StorageUnavailable, type Storage } from '../storage/index.js';
import { imageKeys, removeImageFiles, removeQuietly } from './storage.js';
import type { PerceptualHash } from './perceptual-hash.js';

/**
 * A file as the upload handed it over: written to a temp path with the SHA-256 of its bytes, or already
 * refused (too large, no room, unreadable).
 */
export type IncomingFile = { originalName: string; size: number; tempPath?: string; sha256?: string; rejection?: Rejection };

/**
 * `similarTo`: the id of the uploader's existing image that the stored upload looks like (the same photo
 * resized, recompressed or lightly cropped). `copyOf`: the id of the owner's image that already has a refused file's bytes.
 */
export type IngestResult =
  | { filename: string; ok: true; image: ImageRecord; notice?: string; similarTo?: string }
  | { filename: string; ok: false; reason: RejectionReason; error: string; copyOf?: string };

/** A file on disk, as the upload announces it the moment it is written. */
export type ReceivedBytes = { tempPath: string; bytes: number; sha256?: string };

/** `keepCopies`: store a file even when its owner already has one with the same bytes. */
export type UploadChoices = { visibility: Visibility; keepCopies: boolean };

export type IngestDeps = {
  images: ImagesRepo;
  classifier: Classifier | undefined;
  /** Where originals and thumbnails are kept: UPLOAD_DIR or a bucket. */
  storage: Storage;
  maxPixels: number;
  /** Bytes one user may keep stored; undefined means no quota. */
  maxUserBytes?: number;
  /** The server's one decode budget; made from maxPixels unless given (tests give a small one). */
  decodeBudget?: DecodeBudget;
  /** Set when /metrics is on. */
  metrics?: Metrics;
  logger: Logger;
  now: () => number;
};

export const NOT_CLASSIFIED = 'Stored, but not classified yet: no model is loaded. Run "npm run reclassify" once one is.';

export type Ingest = ReturnType<typeof createIngest>;

/** What the analysis of one received file gave: what the row needs, or why the file is refused. */
type Prepared =
  | { ok: true; analysis: Analysis; seen: Classification | null; thumbPath: string }
  | { ok: false; rejection: Rejection; thumbPath: string };

const refused = (filename: string, rejection: Rejection): IngestResult =>
  ({ filename, ok: false, reason: rejection.reason, error: rejectionMessage(rejection), ...(rejection.reason === 'duplicate' ? { copyOf: rejection.id } : {}) });

/**
 * The one orchestration of an upload, in two steps. prepare() decodes, analyses and classifies a file as
 * soon as it is on disk, while the rest of the request is still arriving; commit() runs once the whole
 * request is in and checked (CSRF token, visibility), moves the files into place and inserts the row.
 */
export function createIngest(deps: IngestDeps) {
  const decodeBudget = deps.decodeBudget ?? defaultDecodeBudget(deps.maxPixels);
  const quota = createQuota(deps.images, deps.maxUserBytes);

  async function classify(pixels: Uint8Array): Promise<Classification | null> {
    if (!deps.classifier) return null;
    try {
      return await timed(deps.metrics?.classificationSeconds, () => deps.classifier!.classify(pixels));
    } catch (err) {
      deps.logger.error({ err }, 'classification failed; the image is stored unclassified');
      return null;
    }
  }

  /** The owner's image with these bytes, if any; a failing database only postpones the question to the insert. */
  async function copyOf(owner: User, sha256: string): Promise<string | undefined> {
    try {
      return await deps.images.findCopy(owner.id, sha256);
    } catch (err) {
      deps.logger.warn({ err }, 'could not look for a copy before decoding; the insert looks again');
      return undefined;
    }
  }

  /** The nearest of the owner's other images that look like this one; a failing database only loses the flag. */
  async function twinOf(image: ImageRecord, hash: PerceptualHash): Promise<string | undefined> {
    try {
      return (await deps.images.findNearCopies(image.ownerId, hash, 1, image.seq))[0]?.id;
    } catch (err) {
      deps.logger.warn({ err }, 'could not look for near-duplicates of a stored image');
      return undefined;
    }
  }

  /**
   * `wanted` turns false when the request fails: work not begun by then is skipped. `copyFrom` is the owner
   * whose copies are refused: a file whose bytes they already have is not decoded at all.
   */
  async function prepare(file: ReceivedBytes, gate: Gate, wanted: () => boolean, copyFrom?: User): Promise<Prepared> {
    const { tempPath, bytes } = file;
    const thumbPath = `${tempPath}.thumb.webp`;
    const twin = copyFrom && file.sha256 ? await copyOf(copyFrom, file.sha256) : undefined;
    if (twin) return { ok: false, rejection: { reason: 'duplicate', id: twin }, thumbPath };
    // A file that waited for the budget while its request failed is not decoded for nothing.
    const admit: Admit = (cost, work) => decodeBudget.run(cost, () => (wanted() ? work() : Promise.reject(new Error(ABANDONED.reason))));
    const limits = { maxPixels: deps.maxPixels, bytes, admit };
    try {
      const analysis = await gate(async () => (wanted() ? timed(deps.metrics?.analysisSeconds, () => analyseImage(tempPath, thumbPath, limits)) : undefined));
      if (!analysis) return { ok: false, rejection: ABANDONED, thumbPath };
      return { ok: true, analysis, seen: wanted() ? await classify(analysis.modelInput) : null, thumbPath };
    } catch (err) {
      await removeQuietly(thumbPath).catch(() => undefined); // abandon() tries again; prepare never rejects
      // A request that failed meanwhile may have had its files removed under the analysis: not an error.
      if (!wanted()) return { ok: false, rejection: ABANDONED, thumbPath };
      if (err instanceof ImageRejected) return { ok: false, rejection: err.rejection, thumbPath };
      deps.logger.error({ err }, 'ingest failed');
      return { ok: false, rejection: SERVER_SIDE_ERROR, thumbPath };
    }
  }

  async function commit(file: IncomingFile, prepared: Prepared, owner: User, { visibility, keepCopies }: UploadChoices): Promise<IngestResult> {
    const filename = file.originalName;
    if (!prepared.ok) {
      await removeQuietly(file.tempPath, prepared.thumbPath);
      return refused(filename, prepared.rejection);
    }
    const { analysis, seen, thumbPath } = prepared;
    const id = randomUUID();
    const stored = { id, format: analysis.format };
    const keys = imageKeys(stored);
    let image: ImageRecord;
    try {
      // Recorded, then stored, then the row (which clears the record): a crash in between leaves objects the
      // start-up sweep knows to remove, never a row without its objects.
      await deps.images.markPending(stored, deps.now());
      await deps.storage.put(keys.thumb, thumbPath, 'image/webp');
      await deps.storage.put(keys.original, file.tempPath!, analysis.mime);
      image = await deps.images.insert(
        {
          id, visibility, originalName: filename, format: analysis.format, bytes: file.size,
          width: analysis.width, height: analysis.height,
          colourHex: analysis.colourHex, colourName: nameColour(analysis.colourHex), createdAt: deps.now(),
          details: analysis.details, palette: analysis.palette, sha256: file.sha256, hash: analysis.hash, embedding: seen?.embedding ?? null,
        },
        owner,
        seen?.labels ?? null,
        // The last word on copies: one uploaded at the same moment, through this server or another, is found here.
        { quotaBytes: deps.maxUserBytes, refuseCopy: !keepCopies },
      );
    } catch (err) {
      await removeQuietly(file.tempPath, thumbPath);
      try {
        await removeImageFiles(deps.storage, stored);
        await deps.images.clearPending(id);
      } catch {
        // The database or the storage is failing: the record stays, and the start-up sweep removes what is left.
      }
      if (err instanceof AlreadyStored) return refused(filename, { reason: 'duplicate', id: err.id });
      if (err instanceof OverQuota) return refused(filename, { reason: 'over-quota', quota: deps.maxUserBytes!, left: err.left });
      deps.logger.error({ err }, 'ingest failed');
      return refused(filename, unavailable(err) ?? SERVER_SIDE_ERROR);
    }
    // After the try: the image is stored whatever the look-up does.
    const similarTo = analysis.hash ? await twinOf(image, analysis.hash) : undefined;
    return { filename, ok: true, image, ...(seen ? {} : { notice: NOT_CLASSIFIED }), ...(similarTo ? { similarTo } : {}) };
  }

  /**
   * One upload's files. One at a time is in sharp (whose libvips threads still share an image's work): more
   * only crowds the event loop off the cores. GET /login p99 during a 100-image upload was 48 ms with four,
   * 24 ms with two, and 12.5 against 24.7 ms with one against two in the same run, for 10% less throughput.
   * Meanwhile the files analysed wait for, or are in, the classifier, so sharp work on one overlaps
   * inference on others.
   * At most IN_FLIGHT are begun and not yet classified, so analysed images do not pile up in memory when
   * sharp runs ahead of the classifier.
   */
  function startBatch(owner: User, refusesCopies: () => boolean) {
    const inSharp = createGate(ANALYSIS_LANES);
    const inFlight = createGate(IN_FLIGHT);
    const started = new Map<string, Promise<Prepared>>();
    let abandoned = false;
    const wanted = () => !abandoned;
    const prepared = (file: ReceivedBytes) => {
      // The choice about copies is known here when the form sent it before the files, as ours do.
      if (!started.has(file.tempPath)) started.set(file.tempPath, inFlight(() => prepare(file, inSharp, wanted, refusesCopies() ? owner : undefined)));
      return started.get(file.tempPath)!;
    };
    /** A file found to be a copy before the request said to keep copies after all: analysed now. */
    const keptCopy = (file: ReceivedBytes, earlier: Prepared): Promise<Prepared> | Prepared =>
      !earlier.ok && earlier.rejection.reason === 'duplicate' ? inFlight(() => prepare(file, inSharp, wanted)) : earlier;
    return {
      /** A file is on disk: start on it now. */
      received: (file: ReceivedBytes) => void prepared(file),
      /** The request is failing: begin nothing more. */
      stop: () => void (abandoned = true),
      /** The request is complete and valid: one result per file, in the files' order. */
      finish: (files: IncomingFile[], choices: UploadChoices): Promise<IngestResult[]> =>
        Promise.all(
          files.map(async (file) => {
            if (file.rejection || !file.tempPath) return refused(file.originalName, file.rejection ?? SERVER_SIDE_ERROR);
            const received = { tempPath: file.tempPath, bytes: file.size, sha256: file.sha256 };
            let ready = await prepared(received);
            if (choices.keepCopies) ready = await keptCopy(received, ready);
            return commit(file, ready, owner, choices);
          }),
        ),
      /** The request failed: wait for the work started, then remove every file it received or made. */
      abandon: async (): Promise<void> => {
        abandoned = true;
        const all = await Promise.all(started.values());
        await removeQuietly(...started.keys(), ...all.map((p) => p.thumbPath));
      },
    };
  }

  return { startBatch, quota };
}

export type IngestBatch = ReturnType<Ingest['startBatch']>;

const SERVER_SIDE_ERROR: Rejection = { reason: 'server-error' };
const STORAGE_UNAVAILABLE: Rejection = { reason: 'storage-unavailable' };
const DATABASE_UNAVAILABLE: Rejection = { reason: 'database-unavailable' };

/** A failure worth trying again in a minute: a service, not the file, is at fault. */
const unavailable = (err: unknown): Rejection | undefined =>
  err instanceof StorageUnavailable ? STORAGE_UNAVAILABLE : isDatabaseUnavailable(err) ? DATABASE_UNAVAILABLE : undefined;
const ABANDONED: Rejection = { reason: 'abandoned' };
const ANALYSIS_LANES = 1;
const IN_FLIGHT = 4;

type Gate = <T>(work: () => Promise<T>) => Promise<T>;

/** Runs at most `limit` pieces of work at once; the rest wait their turn in order. */
function createGate(limit: number): Gate {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (running < limit) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // a finishing run hands its slot over
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
