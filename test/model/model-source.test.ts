import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PIXEL_BYTES } from '../../src/images/classifier.js';
import { loadClassifier } from '../../src/images/load-classifier.js';
import { checkedModelDir, shardNames } from '../../src/images/model-source.js';
import { createLogger } from '../../src/log.js';
import * as fx from '../helpers/fixtures.js';
import { logSink } from '../helpers/log-sink.js';

const shippedDir = path.join(fx.repoRoot, 'models/mobilenet_v2_1.0_224');

let folder: Awaited<ReturnType<typeof fx.tempFolder>>;
beforeEach(async () => (folder = await fx.tempFolder()));
afterEach(() => folder.cleanup());

function capturedLogger() {
  const { lines, sink } = logSink();
  return { logger: createLogger('info', sink), lines };
}

describe('the model that ships with the app', () => {
  test('when MODEL_DIR is unset, then the config names the models/ folder of the checkout, whatever the working directory', () => {
    const cwd = process.cwd();
    try {
      process.chdir(folder.dir);
      expect(loadConfig({}).modelDir).toBe(shippedDir);
      expect(loadConfig({ MODEL_DIR: 'elsewhere' }).modelDir).toBe(path.join(folder.dir, 'elsewhere'));
    } finally {
      process.chdir(cwd);
    }
  });

  test('when its files are read, then every weight model.json lists is there in full (not a Git LFS pointer or a cut file)', () => {
    const json = JSON.parse(readFileSync(path.join(shippedDir, 'model.json'), 'utf8'));
    type Spec = { shape: number[]; dtype: string; quantization?: { dtype: string } };
    const bytesPer: Record<string, number> = { float16: 2, float32: 4, int32: 4 };
    const weights: Spec[] = json.weightsManifest.flatMap((group: { weights: Spec[] }) => group.weights);
    // A quantized weight is stored in its quantization's type (float16 here).
    const expected = weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1) * bytesPer[w.quantization?.dtype ?? w.dtype], 0);
    const onDisk = shardNames(json).reduce((sum, name) => sum + statSync(path.join(shippedDir, name)).size, 0);
    expect(onDisk).toBe(expected);
    expect(json.userDefinedMetadata).toMatchObject({ inputRange: [-1, 1], output: 'logits' });
    // Apache-2.0: the licence and the origin travel with the weights.
    expect(readFileSync(path.join(shippedDir, 'LICENSE'), 'utf8')).toContain('Apache License');
    expect(readFileSync(path.join(shippedDir, 'SOURCE.txt'), 'utf8')).toContain('google-coral/test_data');
    expect(readFileSync(path.join(fx.repoRoot, 'NOTICE'), 'utf8')).toContain('models/mobilenet_v2_1.0_224');
  });

  test('when the classifier is loaded with no MODEL_DIR, then it loads the shipped model and labels an image', async () => {
    const { logger, lines } = capturedLogger();
    const classifier = await loadClassifier(loadConfig({ CLASSIFIER_THREADS: '1' }), logger);
    expect(classifier, lines.join('')).toBeDefined();
    try {
      expect((await classifier!.classify(new Uint8Array(PIXEL_BYTES))).labels).toHaveLength(3);
      expect(JSON.parse(lines.find((l) => l.includes('MobileNet loaded'))!).modelDir).toBe(shippedDir);
    } finally {
      await classifier!.close();
    }
  });
});

describe('checkedModelDir', () => {
  test('when the folder has model.json, then it is used', async () => {
    expect(await checkedModelDir(fx.modelDir)).toBe(path.resolve(fx.modelDir));
  });

  test('when the folder has no model.json, then a clear error names it', async () => {
    await expect(checkedModelDir(folder.dir)).rejects.toThrow(`model folder ${folder.dir} has no model.json`);
  });

  test('when MODEL_DIR names a folder without a model, then the app runs without one and the log says why', async () => {
    const { logger, lines } = capturedLogger();
    expect(await loadClassifier(loadConfig({ MODEL_DIR: folder.dir }), logger)).toBeUndefined();
    const logged = JSON.parse(lines.join(''));
    expect(logged.msg).toContain('No MobileNet model could be loaded');
    expect(logged.err.message).toContain(`model folder ${folder.dir} has no model.json`);
  });
});

describe('shardNames', () => {
  test('when model.json lists its shards, then their names come back in order', () => {
    expect(shardNames({ weightsManifest: [{ paths: ['a.bin', 'b.bin'] }, { paths: ['c.bin'] }] })).toEqual(['a.bin', 'b.bin', 'c.bin']);
  });

  test.each(['../escape.bin', 'sub/x.bin', '..', '.', 'a\\b.bin', '/etc/passwd'])(
    'when model.json names %j, then loading is refused',
    (name) => {
      expect(() => shardNames({ weightsManifest: [{ paths: [name] }] })).toThrow(/outside its folder/);
    },
  );
});
