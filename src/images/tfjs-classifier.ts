import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
// Core, converter and the wasm backend only: the @tensorflow/tfjs bundle adds layers, data and the cpu and
// webgl backends, which each worker thread would parse and keep (about 1.4 s and 20 MB per worker).
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { type Classifier, checkPixels, MODEL_INPUT_SIZE, PIXEL_BYTES, topLabels } from './classifier.js';
import { quantiseEmbedding } from './embedding.js';
import { shardNames } from './model-source.js';

export type TfjsClassifier = Classifier & { memory(): { numTensors: number } };

/** What our model.json files may say about themselves (see the model's SOURCE.txt). */
type ModelMetadata = { inputRange?: [number, number]; output?: string; embedding?: string };

let backendReady: Promise<void> | undefined;

/** One wasm backend per thread; tfjs keeps it in module state, so set it up once. */
function useWasmBackend(): Promise<void> {
  backendReady ??= (async () => {
    // Resolved from this module so it works from src/ under tsx/vitest and from dist/ after tsc.
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(path.dirname(entry) + path.sep);
    // tfjs never enables wasm threads under Node; we scale out with worker_threads instead.
    setThreadsCount(1);
    tf.enableProdMode();
    if (!(await tf.setBackend('wasm'))) throw new Error('could not start the TensorFlow.js wasm backend');
    await tf.ready();
  })();
  return backendReady;
}

export async function wasmInfo(): Promise<{ backend: string; simd: boolean; threads: number }> {
  await useWasmBackend();
  return {
    backend: tf.getBackend(),
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: getThreadsCount(),
  };
}

/**
 * Reads model.json and its shards straight from disk: tfjs's own loaders want http(s) or a browser.
 * `loaded` hands back the artifacts object the model keeps, so the caller can drop its weight bytes.
 * (Exported for bench/, whose bare model must load the same way.)
 */
export function diskModel(modelDir: string): tf.io.IOHandler & { loaded?: tf.io.ModelArtifacts } {
  const handler: tf.io.IOHandler & { loaded?: tf.io.ModelArtifacts } = {
    load: async () => {
      const json = JSON.parse(await readFile(path.join(modelDir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      handler.loaded = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const files = await Promise.all(shardNames(json).map((name) => readFile(path.join(modelDir, name))));
        const buffers = files.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        return [tf.io.getWeightSpecs(manifest), buffers];
      });
      return handler.loaded;
    },
  };
  return handler;
}

export async function loadTfjsClassifier(modelDir: string): Promise<TfjsClassifier> {
  await useWasmBackend();
  const source = diskModel(modelDir);
  const model = await loadGraphModel(source);
  // The weights now live in the backend's memory (as float32); the model would keep the file's float16
  // bytes (7 MB per worker) in its artifacts only for model.save(), which we never call.
  if (source.loaded) delete source.loaded.weightData;
  const meta = (model.metadata ?? {}) as ModelMetadata;
  const [low, high] = meta.inputRange ?? [-1, 1];
  const output = meta.output ?? model.outputNodes[0];
  // A model that names no embedding node still labels: its images only have no look-alikes.
  const outputs = meta.embedding ? [output, meta.embedding] : [output];

  // One input array, reused: the backend copies it into its own memory when the tensor is made, and a
  // fresh 600 kB array per image only fragments this thread's malloc arena (resident memory that stays).
  const scaled = new Float32Array(PIXEL_BYTES);
  const classify = async (pixels: Uint8Array) => {
    checkPixels(pixels);
    scaleInto(scaled, pixels, low, high);
    // One run gives both: the embedding is a node the classes are computed from.
    const [probabilities, pooled] = tf.tidy(() => {
      const input = tf.tensor4d(scaled, [1, MODEL_INPUT_SIZE, MODEL_INPUT_SIZE, 3]);
      const [logits, pool] = [model.execute(input, outputs)].flat() as [tf.Tensor2D, tf.Tensor?];
      // Index 0 is the background class: keep the 1000 ImageNet classes only.
      return [tf.softmax(tf.slice(logits, [0, 1], [1, logits.shape[1] - 1])), pool] as const;
    });
    try {
      return { labels: topLabels(await probabilities.data()), embedding: pooled ? quantiseEmbedding(await pooled.data()) : null };
    } finally {
      probabilities.dispose();
      pooled?.dispose();
    }
  };

  // The first run sets up every kernel; the second takes the wasm heap to its working size (it grows by
  // about 10 MB then and stays). Both are paid for before serving, not by the first uploads.
  for (let i = 0; i < 2; i++) await classify(new Uint8Array(PIXEL_BYTES));
  return {
    classify,
    close: async () => model.dispose(),
    memory: () => ({ numTensors: tf.memory().numTensors }),
  };
}

function scaleInto(out: Float32Array, pixels: Uint8Array, low: number, high: number): void {
  const k = (high - low) / 255;
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] * k + low;
}
