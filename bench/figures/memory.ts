// Figure 5b: resident memory of the running app after 1,000 images went through it, and the classifier's
// tensor count over 1,000 classifications.
import { decodeImage } from '../../src/images/analysis.js';
import { modelPixels } from '../../src/images/model-input.js';
import type { ClassifierPool } from '../../src/images/classifier-pool.js';
import type { Client } from '../lib/client.js';
import type { Figure } from '../lib/figure.js';
import type { BenchPhoto } from '../lib/photos.js';
import type { RunningServer } from '../lib/server.js';
import { round, sleep } from '../lib/stats.js';
import { uploadAll } from './ingest.js';

/**
 * The server's workers cannot be asked for their tensor count from outside, so the same worker code runs
 * here in a pool of the same size, over 1,000 model inputs made by the app's own analysis.
 */
export async function tensorStability(pool: ClassifierPool, photos: BenchPhoto[], count = 1000) {
  const inputs: Uint8Array[] = [];
  for (const photo of photos.slice(0, 10)) inputs.push(modelPixels((await decodeImage(photo.file, { maxPixels: 100e6 })).base));
  const run = async (from: number, to: number) => {
    let next = from;
    const lane = async () => {
      while (next < to) await pool.classify(inputs[next++ % inputs.length].slice());
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
  };
  await run(0, 20);
  const before = pool.memory();
  await run(20, count);
  return { before: before.numTensors, after: pool.memory().numTensors, workers: before.workers };
}

export async function growthAfterIngest(
  server: RunningServer,
  client: Client,
  photos: BenchPhoto[],
  rssAfterStart: number,
  rssAfterFirst: number,
  tensors: { before: number; after: number; workers: number },
  total = 1000,
): Promise<Figure> {
  let ingested = photos.length; // the upload of figure 2 was the first batch
  const perUpload: number[] = [];
  while (ingested < total) {
    await uploadAll(client, photos);
    ingested += photos.length;
    perUpload.push(round(server.rssMb(), 0));
  }
  await sleep(2000);
  const rssAfter = server.rssMb();
  const growth = rssAfter - rssAfterStart;
  const stable = tensors.after === tensors.before;
  return {
    id: 'memory-growth',
    title: `5b. RSS growth after ingesting ${ingested} images`,
    value: round(growth, 0),
    unit: 'MB',
    comparison: { label: 'RSS after start-up', value: round(rssAfterStart, 0), unit: 'MB', ratio: round(rssAfter / rssAfterStart, 2), ratioLabel: 'x' },
    target: { text: '<= 50 MB, tensors stable', met: growth <= 50 && stable },
    details: {
      'RSS after start-up MB': round(rssAfterStart, 0),
      'RSS after the first 100 images MB': round(rssAfterFirst, 0),
      [`RSS after ${ingested} images MB`]: round(rssAfter, 0),
      'RSS after each later upload of 100 (MB)': perUpload.join(', '),
      [`tensors in ${tensors.workers} workers before / after 1,000 classifications`]: `${tensors.before} / ${tensors.after}`,
    },
  };
}
