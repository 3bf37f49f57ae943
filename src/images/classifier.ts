import classes from '../imagenet/classes.json' with { type: 'json' };
import type { Embedding } from './embedding.js';

export const MODEL_INPUT_SIZE = 224;

/** One ImageNet class with its softmax probability; lists are best first. */
export type Label = { name: string; probability: number };

/**
 * What the model sees in an image: its top 3 classes, and where it lies among photos (embedding.ts); null
 * from a model whose model.json names no embedding node (userDefinedMetadata.embedding).
 */
export type Classification = { labels: Label[]; embedding: Embedding | null };

export interface Classifier {
  /** pixels: MODEL_INPUT_SIZE² × 3 RGB bytes, already centre-cropped and resized. */
  classify(pixels: Uint8Array): Promise<Classification>;
  close(): Promise<void>;
  /** Images waiting for a free worker, where there are workers (for /metrics). */
  waiting?(): number;
}

export const TOP_K = 3;
export const PIXEL_BYTES = MODEL_INPUT_SIZE * MODEL_INPUT_SIZE * 3;

const classNames: readonly string[] = (classes as ReadonlyArray<{ name: string }>).map((c) => c.name);

/** probabilities[i] belongs to ImageNet class i (0..999, background already dropped). */
export function topLabels(probabilities: ArrayLike<number>, k = TOP_K): Label[] {
  if (probabilities.length !== classNames.length) {
    throw new Error(`expected ${classNames.length} class probabilities, got ${probabilities.length}`);
  }
  const best: number[] = [];
  for (let i = 0; i < probabilities.length; i++) {
    // k is tiny, so an insertion into a short sorted list beats sorting 1000 numbers.
    let at = best.length;
    while (at > 0 && probabilities[best[at - 1]] < probabilities[i]) at--;
    if (at < k) {
      best.splice(at, 0, i);
      if (best.length > k) best.pop();
    }
  }
  return best.map((i) => ({ name: classNames[i], probability: probabilities[i] }));
}

export function checkPixels(pixels: Uint8Array): void {
  if (pixels.length !== PIXEL_BYTES) {
    throw new Error(`classifier input must be ${PIXEL_BYTES} bytes (224x224 RGB), got ${pixels.length}`);
  }
}
