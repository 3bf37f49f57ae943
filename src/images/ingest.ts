import { randomUUID } from 'node:crypto';
import { rename } from 'node:fs/promises';
import type { Logger } from '../log.js';
import type { User } from '../auth/users.js';
import { analyseImage, ImageRejected } from './analysis.js';
import type { Classifier, Label } from './classifier.js';
import { nameColour } from './colour.js';
import type { ImageRecord, ImagesRepo, Visibility } from './images-repo.js';
import { imagePaths, removeQuietly } from './storage.js';

/** A file as the upload handed it over: written to a temp path, or already refused (too large). */
export type IncomingFile = { originalName: string; size: number; tempPath?: string; rejection?: string };

export type IngestResult =
  | { filename: string; ok: true; image: ImageRecord; notice?: string }
  | { filename: string; ok: false; error: string };

export type IngestDeps = {
  images: ImagesRepo;
  classifier: Classifier | undefined;
  uploadDir: string;
  maxPixels: number;
  logger: Logger;
  now: () => number;
};

export const NOT_CLASSIFIED = 'Stored, but not classified yet: no model is loaded. Run "npm run reclassify" once one is.';

export type Ingest = ReturnType<typeof createIngest>;

/** The one orchestration of an upload: analyse, classify, store the files, insert the row. */
export function createIngest(deps: IngestDeps) {
  async function classify(pixels: Uint8Array): Promise<Label[] | null> {
    if (!deps.classifier) return null;
    try {
      return await deps.classifier.classify(pixels);
    } catch (err) {
      deps.logger.error({ err }, 'classification failed; the image is stored unclassified');
      return null;
    }
  }

  async function ingestOne(file: IncomingFile, owner: User, visibility: Visibility, gate: Gate = ungated): Promise<IngestResult> {
    const filename = file.originalName;
    if (file.rejection || !file.tempPath) return { filename, ok: false, error: file.rejection ?? 'not received' };
    const id = randomUUID();
    const thumbPath = `${file.tempPath}.thumb.webp`;
    let paths: ReturnType<typeof imagePaths> | undefined;
    try {
      const tempPath = file.tempPath;
      const analysis = await gate(() => analyseImage(tempPath, thumbPath, { maxPixels: deps.maxPixels }));
      paths = imagePaths(deps.uploadDir, { id, format: analysis.format });
      const labels = await classify(analysis.modelInput);
      // Files first, row last: a crash in between leaves only files, which start-up removes.
      await rename(thumbPath, paths.thumb);
      await rename(file.tempPath, paths.original);
      const image = deps.images.insert(
        {
          id, visibility, originalName: filename, format: analysis.format, bytes: file.size,
          width: analysis.width, height: analysis.height,
          colourHex: analysis.colourHex, colourName: nameColour(analysis.colourHex), createdAt: deps.now(),
        },
        owner,
        labels,
      );
      return { filename, ok: true, image, ...(labels ? {} : { notice: NOT_CLASSIFIED }) };
    } catch (err) {
      await removeQuietly(file.tempPath, thumbPath, paths?.original, paths?.thumb);
      if (err instanceof ImageRejected) return { filename, ok: false, error: err.message };
      deps.logger.error({ err }, 'ingest failed');
      return { filename, ok: false, error: 'could not be stored because of an error on our side' };
    }
  }

  return {
    ingestOne,
    /**
     * Several files at once, so sharp work on some overlaps inference on others; results keep the files'
     * order. At most ANALYSIS_LANES files are in sharp at a time: more only crowds the event loop's thread
     * off the cores (GET /login p99 during a 100-image upload: 48 ms with four, 24 ms with two), while the
     * other files in flight wait for, or are in, the classifier.
     */
    ingestAll(files: IncomingFile[], owner: User, visibility: Visibility, concurrency = 4): Promise<IngestResult[]> {
      const gate = createGate(ANALYSIS_LANES);
      return mapConcurrently(files, concurrency, (file) => ingestOne(file, owner, visibility, gate));
    },
  };
}

const ANALYSIS_LANES = 2;

type Gate = <T>(work: () => Promise<T>) => Promise<T>;
const ungated: Gate = (work) => work();

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

async function mapConcurrently<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
