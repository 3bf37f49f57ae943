// Figure 1: classifying a decoded image in the app (crop, resize, tensor, inference, top 3) against a bare
// model.predict on a ready 224 x 224 tensor, in the same process, measured in alternation.
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { decodeImage, type Raw } from '../../src/images/analysis.js';
import { modelPixels } from '../../src/images/model-input.js';
import type { Classifier } from '../../src/images/classifier.js';
import { diskModel, type TfjsClassifier } from '../../src/images/tfjs-classifier.js';
import type { Figure } from '../lib/figure.js';
import { modelDir } from '../lib/paths.js';
import type { BenchPhoto } from '../lib/photos.js';
import { median, percentile, round } from '../lib/stats.js';

export type ClassifierTimes = { bareMs: number; inProcessMs: number; poolMs: number };

export async function classifierOverhead(
  photos: BenchPhoto[],
  inProcess: TfjsClassifier,
  pool: Classifier,
  rounds = 80,
): Promise<{ figure: Figure; times: ClassifierTimes }> {
  // The app's own decode of a few real photos; the crop and resize from it are part of what is timed.
  const decoded: Raw[] = [];
  for (const photo of photos.slice(0, 8)) decoded.push((await decodeImage(photo.file, { maxPixels: 100e6 })).base);
  const model = await loadGraphModel(diskModel(modelDir)); // read from disk as the app reads it
  const ready = tf.tidy(() => tf.randomUniform([1, 224, 224, 3], -1, 1));

  const bare = async () => {
    const started = performance.now();
    const out = model.predict(ready) as tf.Tensor;
    await out.data();
    out.dispose();
    return performance.now() - started;
  };
  const inApp = async (classifier: Classifier, base: Raw) => {
    const started = performance.now();
    const { labels } = await classifier.classify(modelPixels(base));
    if (labels.length !== 3) throw new Error('expected the top 3');
    return performance.now() - started;
  };

  // Steady state, not warm-up: V8 tiers a thread's wasm and JS up over its first 15 or so inferences
  // (those take up to twice as long), and each worker thread does so on its own.
  for (let i = 0; i < 40; i++) {
    if (i < 10) await bare();
    if (i < 10) await inApp(inProcess, decoded[i % decoded.length]);
    await inApp(pool, decoded[i % decoded.length]);
  }
  const samples = { bare: [] as number[], inProcess: [] as number[], pool: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const base = decoded[i % decoded.length];
    samples.bare.push(await bare());
    samples.inProcess.push(await inApp(inProcess, base));
    samples.pool.push(await inApp(pool, base));
  }
  const tensorsBefore = tf.memory().numTensors;
  ready.dispose();
  model.dispose();

  const times = { bareMs: median(samples.bare), inProcessMs: median(samples.inProcess), poolMs: median(samples.pool) };
  const ratio = times.poolMs / times.bareMs;
  return {
    times,
    figure: {
      id: 'classifier',
      title: '1. Classifier overhead (in-app / bare predict)',
      value: round(times.poolMs, 1),
      unit: 'ms',
      comparison: { label: 'bare model.predict', value: round(times.bareMs, 1), unit: 'ms', ratio: round(ratio, 2), ratioLabel: 'x' },
      target: { text: '<= 1.2x', met: ratio <= 1.2 },
      details: {
        rounds,
        'in-app via the pool, median ms': round(times.poolMs, 2),
        'in-app in the same thread, median ms': round(times.inProcessMs, 2),
        'in-app in the same thread / bare': round(times.inProcessMs / times.bareMs, 3),
        'bare predict, median ms': round(times.bareMs, 2),
        'bare predict, p90 ms': round(percentile(samples.bare, 90), 2),
        'in-app via the pool, p90 ms': round(percentile(samples.pool, 90), 2),
        'tensors in this thread after the runs': tensorsBefore,
      },
    },
  };
}
