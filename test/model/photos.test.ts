import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Analysis, analyseImage, decodeImage, type Raw } from '../../src/images/analysis.js';
import { modelPixels } from '../../src/images/model-input.js';
import type { Classifier } from '../../src/images/classifier.js';
import { createClassifierPool } from '../../src/images/classifier-pool.js';
import { loadTfjsClassifier } from '../../src/images/tfjs-classifier.js';
import { dominantHex } from '../../src/images/dominant-colour.js';
import * as fx from '../helpers/fixtures.js';

const photos = fx.expectedPhotos();
const limits = { maxPixels: 50_000_000 };
const analyses = new Map<string, Analysis>();
let inProcess: Classifier;
let pool: Classifier;
let folder: Awaited<ReturnType<typeof fx.tempFolder>>;

beforeAll(async () => {
  folder = await fx.tempFolder();
  [inProcess, pool] = await Promise.all([
    loadTfjsClassifier(fx.modelDir),
    createClassifierPool({ modelDir: fx.modelDir, size: 2 }),
  ]);
  for (const photo of photos) {
    analyses.set(photo.name, await analyseImage(photo.file, folder.path(`${photo.name}.webp`), limits));
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([inProcess?.close(), pool?.close(), folder?.cleanup()]);
});

/**
 * The straightforward path: decode the whole oriented image and count colours over all of it. The model's
 * input comes from that full decode scaled down with sharp's Lanczos to the size the app decodes to, so
 * what is compared is the shortcut (shrink-on-load, one small decode), not the crop and resize after it.
 */
async function fullDecode(file: string, baseSize: Raw['info']) {
  const full = await sharp(file).autoOrient().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const small = await sharp(full.data, { raw: full.info }).resize(baseSize.width, baseSize.height, { fit: 'fill' }).raw().toBuffer();
  return {
    colourHex: dominantHex(full.data, full.info.channels === 4 ? 4 : 3),
    modelInput: modelPixels({ data: small, info: baseSize }),
  };
}

describe.each([
  ['in process', () => inProcess],
  ['in the worker pool', () => pool],
])('real photographs, classified %s', (_where, classifier) => {
  test.each(photos)('when $name is classified, then one of its expected classes is in the top 3', async (photo) => {
    // slice(): the pool takes ownership of the buffer it is given.
    const { labels } = await classifier().classify(analyses.get(photo.name)!.modelInput.slice());
    expect(labels).toHaveLength(3);
    expect(labels.map((l) => l.name).some((name) => photo.expect.includes(name)), JSON.stringify(labels)).toBe(true);
  });
});

describe('the fast path (one small decode) against a full decode', () => {
  test.each(photos)('when $name is analysed, then colour and top-3 labels match the full decode', async (photo) => {
    const fast = analyses.get(photo.name)!;
    const full = await fullDecode(photo.file, (await decodeImage(photo.file, limits)).base.info);
    expect(fast.colourHex).toBe(full.colourHex);
    const fastLabels = (await inProcess.classify(fast.modelInput.slice())).labels;
    const fullLabels = (await inProcess.classify(full.modelInput)).labels;
    // Near-ties may swap places after a second resample, so compare the top 3 as sets.
    expect(fastLabels.map((l) => l.name).sort()).toEqual(fullLabels.map((l) => l.name).sort());
  });

  // How much time this saves is a benchmark's business (npm run bench, figure 2); what a test can hold is
  // that the one decode everything works from is small, so no step ever holds the 12 MP.
  test('when a 12 megapixel JPEG is analysed, then every step works from one copy 512 px on its long side', async () => {
    const big = await folder.write(
      '12mp.jpg',
      await sharp(photos.find((p) => p.name.endsWith('.jpg'))!.file).resize(4000, 3000, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer(),
    );
    const { header, base } = await decodeImage(big, limits);
    expect([header.width, header.height]).toEqual([4000, 3000]);
    expect([base.info.width, base.info.height]).toEqual([512, 384]);
    const analysis = await analyseImage(big, folder.path('12mp.webp'), limits);
    expect([analysis.width, analysis.height]).toEqual([4000, 3000]);
    expect(analysis.colourHex).toBe((await fullDecode(big, base.info)).colourHex);
  });
});
