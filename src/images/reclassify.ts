import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/index.js';
import { createLogger, type Logger } from '../log.js';
import { analyseImage, readStoredDetails, readStoredHash, readStoredPalette } from './analysis.js';
import { fileSha256 } from './checksum.js';
import { PIXEL_BYTES, type Classifier } from './classifier.js';
import { createImagesRepo, type ImageRecord, type ImagesRepo } from './images-repo.js';
import { loadClassifier } from './load-classifier.js';
import { imageKeys, incomingDir } from './storage.js';
import { createStorage, type Storage } from '../storage/index.js';

type Deps = { images: ImagesRepo; storage: Storage; uploadDir: string; maxPixels: number; logger: Logger };
/** Called after each image with how many are done of how many. */
type Progress = (done: number, total: number) => void;
type Outcome = { done: number; failed: number };

/**
 * Each image of `seqs` with its stored original copied into the scratch folder (sharp reads local files),
 * handed to `work`; an image deleted meanwhile is skipped, and one that fails is logged and counted.
 */
async function eachStored(deps: Deps, seqs: number[], what: string, work: (image: ImageRecord, file: string) => Promise<void>, progress?: Progress): Promise<Outcome> {
  const outcome = { done: 0, failed: 0 };
  for (const [n, seq] of seqs.entries()) {
    const image = await deps.images.findBySeq(seq);
    if (image) {
      const scratch = path.join(incomingDir(deps.uploadDir), `${image.id}.reclassify`);
      try {
        const found = await deps.storage.stream(imageKeys(image).original);
        if (!found || found.unsatisfiable) throw new Error('its stored original is missing');
        await mkdir(incomingDir(deps.uploadDir), { recursive: true });
        await pipeline(found.body, createWriteStream(scratch));
        await work(image, scratch);
        outcome.done++;
      } catch (err) {
        outcome.failed++;
        deps.logger.error({ err, id: image.id }, `could not ${what} image`);
      } finally {
        await rm(scratch, { force: true });
      }
    }
    progress?.(n + 1, seqs.length);
  }
  return outcome;
}

/** What the model sees in a stored original copied to `file` (the analysis's thumbnail goes to a scratch file). */
async function classifyStored(deps: Deps & { classifier: Classifier }, file: string) {
  const scratchThumb = `${file}.webp`;
  try {
    return await deps.classifier.classify((await analyseImage(file, scratchThumb, { maxPixels: deps.maxPixels })).modelInput);
  } finally {
    await rm(scratchThumb, { force: true });
  }
}

/** Classifies every image stored "not classified yet"; its labels and search terms are written together. */
export async function reclassifyAll(deps: Deps & { classifier: Classifier }, progress?: Progress) {
  const { done, failed } = await eachStored(deps, await deps.images.unclassifiedSeqs(), 'classify', async (image, file) => {
    // The analysis also hashes the image; fillHashes (run before) has stored that already.
    await deps.images.setLabels(image.seq, await classifyStored(deps, file));
  }, progress);
  return { classified: done, failed };
}

/**
 * Gives every image classified before embeddings were kept its embedding, so it has similar images; its
 * labels stay as they are (the same model would give the same ones).
 */
export async function fillEmbeddings(deps: Deps & { classifier: Classifier }, progress?: Progress) {
  const seqs = await deps.images.noEmbeddingSeqs();
  if (seqs.length === 0) return { read: 0, failed: 0, noEmbedding: false };
  // A model whose model.json names no embedding node gives none: nothing to read, and nothing failed.
  if (!(await deps.classifier.classify(new Uint8Array(PIXEL_BYTES))).embedding) return { read: 0, failed: 0, noEmbedding: true };
  const { done, failed } = await eachStored(deps, seqs, 'read the embedding of', async (image, file) => {
    const { labels, embedding } = await classifyStored(deps, file);
    await deps.images.setEmbedding(image.seq, { labels, embedding: embedding! });
  }, progress);
  return { read: done, failed, noEmbedding: false };
}

/** Reads date taken, camera, exposure and place for every image stored before they were read at upload. */
export async function fillDetails(deps: Deps, progress?: Progress) {
  const { done, failed } = await eachStored(deps, await deps.images.unreadSeqs(), 'read the details of', async (image, file) => {
    await deps.images.setDetails(image.seq, await readStoredDetails(file, image.format));
  }, progress);
  return { read: done, failed };
}

/** Reads the colours of every image stored before they were read at upload, and ranks its colour terms by them. */
export async function fillPalettes(deps: Deps, progress?: Progress) {
  const { done, failed } = await eachStored(deps, await deps.images.noPaletteSeqs(), 'read the colours of', async (image, file) => {
    await deps.images.setPalette(image.seq, await readStoredPalette(file, { maxPixels: deps.maxPixels }));
  }, progress);
  return { read: done, failed };
}

/** Reads the checksum of every image stored before checksums were taken, so copies of it are caught at upload. */
export async function fillChecksums(deps: Deps, progress?: Progress) {
  const { done, failed } = await eachStored(deps, await deps.images.noChecksumSeqs(), 'read the checksum of', async (image, file) => {
    await deps.images.setChecksum(image.seq, await fileSha256(file));
  }, progress);
  return { read: done, failed };
}

/** Reads the perceptual hash of every image stored before hashes were taken, so near-duplicates of it are found. */
export async function fillHashes(deps: Deps, progress?: Progress) {
  const { done, failed } = await eachStored(deps, await deps.images.noHashSeqs(), 'read the perceptual hash of', async (image, file) => {
    await deps.images.setHash(image.seq, await readStoredHash(file, { maxPixels: deps.maxPixels }));
  }, progress);
  return { read: done, failed };
}

/** A line at every tenth of the way (and at the end), so a long run shows it is moving. */
const printEvery = (what: string): Progress => (done, total) => {
  if (done === total || done % Math.max(1, Math.ceil(total / 10)) === 0) console.log(`${what}: ${done} of ${total}`);
};

async function main() {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config);
  const storage = createStorage(config, { logger });
  const deps = { images: createImagesRepo(db), storage, uploadDir: config.uploadDir, maxPixels: config.maxPixels, logger };
  let failed = 0;
  const details = await fillDetails(deps, printEvery('Reading photo details'));
  console.log(`Read the details of ${details.read} image(s); ${details.failed} could not be read.`);
  failed += details.failed;
  const palettes = await fillPalettes(deps, printEvery('Reading colours'));
  console.log(`Read the colours of ${palettes.read} image(s); ${palettes.failed} could not be read.`);
  failed += palettes.failed;
  const checksums = await fillChecksums(deps, printEvery('Reading checksums'));
  console.log(`Read the checksums of ${checksums.read} image(s); ${checksums.failed} could not be read.`);
  failed += checksums.failed;
  const hashes = await fillHashes(deps, printEvery('Reading perceptual hashes'));
  console.log(`Read the perceptual hashes of ${hashes.read} image(s); ${hashes.failed} could not be read.`);
  failed += hashes.failed;
  const waiting = (await deps.images.unclassifiedSeqs()).length;
  const unembedded = (await deps.images.noEmbeddingSeqs()).length;
  if (waiting + unembedded > 0) {
    const classifier = await loadClassifier(config, logger);
    if (!classifier) {
      console.error(`${waiting + unembedded} image(s) wait for the model, and no model could be loaded: set MODEL_DIR to a TF.js MobileNet directory and try again.`);
      failed += waiting + unembedded;
    } else {
      const embedded = await fillEmbeddings({ ...deps, classifier }, printEvery('Reading embeddings'));
      console.log(embedded.noEmbedding ? `The model names no embedding node (userDefinedMetadata.embedding in its model.json): ${unembedded} image(s) keep none, and have no look-alikes.`
        : `Read the embeddings of ${embedded.read} image(s); ${embedded.failed} could not be read.`);
      failed += embedded.failed;
      const result = await reclassifyAll({ ...deps, classifier }, printEvery('Classifying'));
      console.log(`Classified ${result.classified} image(s); ${result.failed} could not be classified.`);
      failed += result.failed;
      await classifier.close();
    }
  } else {
    console.log('Every image is classified.');
  }
  storage.close();
  await db.close();
  process.exit(failed > 0 ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
