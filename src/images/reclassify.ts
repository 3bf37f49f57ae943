import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/open.js';
import { createLogger, type Logger } from '../log.js';
import { analyseImage } from './analysis.js';
import type { Classifier } from './classifier.js';
import { createImagesRepo, type ImagesRepo } from './images-repo.js';
import { loadClassifier } from './load-classifier.js';
import { imagePaths, incomingDir } from './storage.js';

type Deps = { images: ImagesRepo; classifier: Classifier; uploadDir: string; maxPixels: number; logger: Logger };

/** Classifies every image stored "not classified yet"; its labels and search terms are written together. */
export async function reclassifyAll({ images, classifier, uploadDir, maxPixels, logger }: Deps) {
  let classified = 0;
  let failed = 0;
  for (const seq of images.unclassifiedSeqs()) {
    const image = images.findBySeq(seq);
    if (!image) continue; // deleted meanwhile
    const scratchThumb = path.join(incomingDir(uploadDir), `${image.id}.reclassify.webp`);
    try {
      const analysis = await analyseImage(imagePaths(uploadDir, image).original, scratchThumb, { maxPixels });
      images.setLabels(seq, await classifier.classify(analysis.modelInput));
      classified++;
    } catch (err) {
      failed++;
      logger.error({ err, id: image.id }, 'could not classify image');
    } finally {
      await rm(scratchThumb, { force: true });
    }
  }
  return { classified, failed };
}

async function main() {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const db = openDatabase(config.databasePath);
  const classifier = await loadClassifier(config, logger);
  if (!classifier) {
    console.error('No model could be loaded: set MODEL_DIR to a TF.js MobileNet directory and try again.');
    process.exit(1);
  }
  const result = await reclassifyAll({ images: createImagesRepo(db), classifier, uploadDir: config.uploadDir, maxPixels: config.maxPixels, logger });
  console.log(`Classified ${result.classified} image(s); ${result.failed} could not be classified.`);
  await classifier.close();
  db.close();
  process.exit(result.failed > 0 ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
