import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Raw } from '../../src/images/analysis.js';
import { MODEL_INPUT_SIZE } from '../../src/images/classifier.js';
import { CROP_FRACTION, modelPixels } from '../../src/images/model-input.js';
import { wasmInfo } from '../../src/images/tfjs-classifier.js';

beforeAll(() => wasmInfo()); // sets TensorFlow.js up on the app's backend

/** Noise, so a mirrored, shifted or transposed result cannot match by symmetry. */
function randomImage(width: number, height: number, channels: 3 | 4): Raw {
  let seed = width * 7919 + height * 104729 + channels;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
  return { data: Buffer.from(Array.from({ length: width * height * channels }, next)), info: { width, height, channels } };
}

/** TensorFlow's own bilinear resize (half-pixel centres) of the centre crop, transparent pixels on white. */
function tensorflowReference({ data, info }: Raw): Uint8Array {
  const side = Math.max(1, Math.round(Math.min(info.width, info.height) * CROP_FRACTION));
  const left = Math.floor((info.width - side) / 2);
  const top = Math.floor((info.height - side) / 2);
  const crop = new Float32Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const i = ((top + y) * info.width + left + x) * info.channels;
      const alpha = info.channels === 4 ? data[i + 3] / 255 : 1;
      for (let c = 0; c < 3; c++) crop[(y * side + x) * 3 + c] = Math.round(data[i + c] * alpha + 255 * (1 - alpha));
    }
  }
  const resized = tf.tidy(() =>
    tf.image.resizeBilinear(tf.tensor4d(crop, [1, side, side, 3]), [MODEL_INPUT_SIZE, MODEL_INPUT_SIZE], false, true),
  );
  const values = resized.dataSync();
  resized.dispose();
  return Uint8Array.from(values, (v) => Math.round(v));
}

function largestDifference(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
  return largest;
}

describe('the model input (centre crop, bilinear resize to 224 x 224)', () => {
  it.each([
    [1, 1, 3],
    [7, 5, 3],
    [224, 224, 3],
    [300, 257, 3],
    [512, 384, 3],
    [384, 512, 3],
    [2000, 256, 3],
    [50, 40, 4],
    [640, 427, 4],
  ] as const)('when the decoded image is %i x %i with %i channels, then it matches TensorFlow within rounding', (width, height, channels) => {
    const image = randomImage(width, height, channels);
    const pixels = modelPixels(image);
    expect(pixels.length).toBe(MODEL_INPUT_SIZE * MODEL_INPUT_SIZE * 3);
    // Both round; they can differ by one where a value lies on .5 and float error tips it either way.
    expect(largestDifference(pixels, tensorflowReference(image))).toBeLessThanOrEqual(1);
  });
});
