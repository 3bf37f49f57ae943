import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Classifier } from './classifier.js';
import { createClassifierPool } from './classifier-pool.js';
import { checkedModelDir } from './model-source.js';

/**
 * The model is loaded once, before the server listens. Without one the app still runs:
 * uploads are stored "not classified yet" and `npm run reclassify` catches up later.
 */
export async function loadClassifier(config: Config, logger: Logger): Promise<Classifier | undefined> {
  const started = performance.now();
  try {
    const modelDir = await checkedModelDir(config.modelDir);
    const classifier = await createClassifierPool({ modelDir, size: config.classifierThreads });
    logger.info({ modelDir, threads: config.classifierThreads, ms: Math.round(performance.now() - started) }, 'MobileNet loaded');
    return classifier;
  } catch (err) {
    logger.error(
      { err },
      'No MobileNet model could be loaded (MODEL_DIR, when set, must be a TF.js graph model folder). ' +
        'Uploads will be stored as "not classified yet"; run "npm run reclassify" once a model is available.',
    );
    return undefined;
  }
}
