import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/index.js';
import { createLogger, type Logger } from '../log.js';
import { analyseImage } from './analysis.js';
import type { Classifier } from './classifier.js';
import { createImagesRepo, type ImagesRepo } from './images-repo.js';
import { loadClassifier } from './load-classifier.js';
import { imageKeys, incomingDir } from './storage.js';
import { createStorage, type Storage } from '../storage/index.js';

type Deps = { images: ImagesRepo; storage: Storage; classifier: Classifier; uploadDir: string; maxPixels: number; logger: Logger };

/** Classifies every image stored "not classified yet"; its labels and search terms are written together. */
export async function reclassifyAll({ images, storage, classifier, uploadDir, maxPixels, logger }: Deps) {
  let classified = 0;
  let failed = 0;
  for (const seq of await images.unclassifiedSeqs()) {
    const image = await images.findBySeq(seq);
    if (!image) continue; // deleted meanwhile
    // The original is read from the storage into the scratch folder: sharp decodes local files.
    const scratch = path.join(incomingDir(uploadDir), `${image.id}.reclassify`);
    const scratchThumb = `${scratch}.webp`;
    try {
      const found = await storage.stream(imageKeys(image).original);
      if (!found || found.unsatisfiable) throw new Error('its stored original is missing');
      await mkdir(incomingDir(uploadDir), { recursive: true });
      await pipeline(found.body, createWriteStream(scratch));
      const analysis = await analyseImage(scratch, scratchThumb, { maxPixels });
      await images.setLabels(seq, await classifier.classify(analysis.modelInput));
      classified++;
    } catch (err) {
      failed++;
      logger.error({ err, id: image.id }, 'could not classify image');
    } finally {
      await Promise.all([rm(scratch, { force: true }), rm(scratchThumb, { force: true })]);
    }
  }
  return { classified, failed };
}

async function main() {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config);
  const classifier = await loadClassifier(config, logger);
  if (!classifier) {
    console.error('No model could be loaded: set MODEL_DIR to a TF.js MobileNet directory and try again.');
    process.exit(1);
  }
  const storage = createStorage(config, { logger });
  const result = await reclassifyAll({ images: createImagesRepo(db), storage, classifier, uploadDir: config.uploadDir, maxPixels: config.maxPixels, logger });
  storage.close();
  console.log(`Classified ${result.classified} image(s); ${result.failed} could not be classified.`);
  await classifier.close();
  await db.close();
  process.exit(result.failed > 0 ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
