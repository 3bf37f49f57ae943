import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { analyseImage } from '../../src/images/analysis.js';
import { loadTfjsClassifier, type TfjsClassifier } from '../../src/images/tfjs-classifier.js';
import * as fx from '../helpers/fixtures.js';

const classNames = (JSON.parse(readFileSync(path.join(fx.repoRoot, 'src/imagenet/classes.json'), 'utf8')) as { name: string }[]).map(
  (c) => c.name,
);
let classifier: TfjsClassifier;
let folder: Awaited<ReturnType<typeof fx.tempFolder>>;

beforeAll(async () => {
  folder = await fx.tempFolder();
  classifier = await loadTfjsClassifier(fx.modelDir);
}, 60_000);
afterAll(async () => Promise.all([classifier?.close(), folder?.cleanup()]));

test('when the whole pipeline classifies imagenet-dev, then top-1 >= 0.85 and top-3 >= 0.95', async () => {
  const photos = fx.imagenetDevSet();
  expect(photos).toHaveLength(100);
  let top1 = 0;
  let top3 = 0;
  const started = performance.now();
  for (const photo of photos) {
    expect(photo.classIndex, photo.name).toBeGreaterThanOrEqual(0);
    const analysis = await analyseImage(photo.file, folder.path('thumb.webp'), { maxPixels: 50_000_000 });
    const labels = (await classifier.classify(analysis.modelInput)).labels.map((l) => l.name);
    const wanted = classNames[photo.classIndex];
    if (labels[0] === wanted) top1++;
    if (labels.includes(wanted)) top3++;
  }
  const msPerImage = (performance.now() - started) / photos.length;
  console.log(
    `imagenet-dev (${photos.length} photos): top-1 ${(top1 / photos.length).toFixed(2)}, ` +
      `top-3 ${(top3 / photos.length).toFixed(2)}, ${msPerImage.toFixed(0)} ms per photo (analyse + classify)`,
  );
  expect(top1 / photos.length).toBeGreaterThanOrEqual(0.85);
  expect(top3 / photos.length).toBeGreaterThanOrEqual(0.95);
}, 120_000);
