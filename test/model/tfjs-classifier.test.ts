import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MODEL_INPUT_SIZE, PIXEL_BYTES, topLabels } from '../../src/images/classifier.js';
import { loadTfjsClassifier, type TfjsClassifier, wasmInfo } from '../../src/images/tfjs-classifier.js';
import * as fx from '../helpers/fixtures.js';

let classifier: TfjsClassifier;
beforeAll(async () => {
  classifier = await loadTfjsClassifier(fx.modelDir);
}, 60_000);
afterAll(() => classifier?.close());

async function photoPixels(name: string): Promise<Uint8Array> {
  const file = fx.expectedPhotos().find((p) => p.name === name)!.file;
  return new Uint8Array(await sharp(file).resize(MODEL_INPUT_SIZE, MODEL_INPUT_SIZE, { fit: 'cover' }).removeAlpha().raw().toBuffer());
}

describe('topLabels', () => {
  test('when given 1000 probabilities, then it names the best three, best first', () => {
    const p = new Float32Array(1000).fill(0.0001);
    [p[5], p[999], p[0]] = [0.2, 0.5, 0.1];
    expect(topLabels(p)).toEqual([
      { name: 'toilet tissue, toilet paper, bathroom tissue', probability: p[999] },
      { name: 'electric ray, crampfish, numbfish, torpedo', probability: p[5] },
      { name: 'tench, Tinca tinca', probability: p[0] },
    ]);
  });

  test('when the count is not 1000, then it refuses', () => {
    expect(() => topLabels(new Float32Array(1001))).toThrow(/1000/);
  });
});

describe('loadTfjsClassifier', () => {
  test('when loaded, then it runs on wasm with SIMD and one thread', async () => {
    const info = await wasmInfo();
    console.log('tfjs backend', info);
    expect(info).toEqual({ backend: 'wasm', simd: true, threads: 1 });
  });

  test('when a photo is classified, then the top 3 are ImageNet names with probabilities, best first', async () => {
    const { labels } = await classifier.classify(await photoPixels('coral_parrot.png'));
    expect(labels).toHaveLength(3);
    expect(labels[0].name).toBe('macaw');
    expect(labels[0].probability).toBeGreaterThan(0.5);
    expect(labels[0].probability).toBeGreaterThanOrEqual(labels[1].probability);
    expect(labels[1].probability).toBeGreaterThanOrEqual(labels[2].probability);
  });

  test('when classify is called many times, then the tensor count does not grow', async () => {
    const pixels = await photoPixels('coral_cat.png');
    await classifier.classify(pixels);
    const before = classifier.memory().numTensors;
    for (let i = 0; i < 20; i++) await classifier.classify(pixels);
    expect(classifier.memory().numTensors).toBe(before);
  });

  test('when the input has the wrong size, then the call is rejected and nothing leaks', async () => {
    const before = classifier.memory().numTensors;
    await expect(classifier.classify(new Uint8Array(PIXEL_BYTES - 3))).rejects.toThrow(/150528 bytes/);
    expect(classifier.memory().numTensors).toBe(before);
  });

  test('when the model folder has no model.json, then loading fails with an error', async () => {
    const folder = await fx.tempFolder();
    try {
      await expect(loadTfjsClassifier(folder.dir)).rejects.toThrow();
    } finally {
      await folder.cleanup();
    }
  });
});
