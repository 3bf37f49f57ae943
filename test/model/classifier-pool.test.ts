import type { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { type Classifier, type Label, MODEL_INPUT_SIZE } from '../../src/images/classifier.js';
import { createClassifierPool } from '../../src/images/classifier-pool.js';
import { loadTfjsClassifier } from '../../src/images/tfjs-classifier.js';
import * as fx from '../helpers/fixtures.js';

// Keep a handle on every worker the pool starts, so a test can kill one as a crash would.
const started = vi.hoisted(() => [] as Worker[]);
vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:worker_threads')>();
  class TrackedWorker extends real.Worker {
    constructor(...args: ConstructorParameters<typeof real.Worker>) {
      super(...args);
      started.push(this);
    }
  }
  return { ...real, Worker: TrackedWorker };
});

const photos = fx.expectedPhotos().slice(0, 6);
const pixels = new Map<string, Uint8Array>();
const expected = new Map<string, Label[]>();
const expectedEmbedding = new Map<string, number[]>();
let pool: Classifier;

beforeAll(async () => {
  const reference = await loadTfjsClassifier(fx.modelDir);
  for (const photo of photos) {
    const raw = await sharp(photo.file).resize(MODEL_INPUT_SIZE, MODEL_INPUT_SIZE, { fit: 'cover' }).removeAlpha().raw().toBuffer();
    pixels.set(photo.name, new Uint8Array(raw));
    const seen = await reference.classify(new Uint8Array(raw));
    expected.set(photo.name, seen.labels);
    expectedEmbedding.set(photo.name, [...seen.embedding!]);
  }
  await reference.close();
  pool = await createClassifierPool({ modelDir: fx.modelDir, size: 2 });
}, 120_000);
afterAll(() => pool?.close());

const copyOf = (name: string) => pixels.get(name)!.slice();

describe('createClassifierPool', () => {
  test('when created, then both workers are loaded and warm', () => {
    expect(started).toHaveLength(2);
  });

  test('when more calls arrive than there are workers, then the ones beyond them are counted as waiting until a worker is free', async () => {
    expect(pool.waiting!()).toBe(0);
    const calls = photos.slice(0, 5).map((p) => pool.classify(copyOf(p.name)));
    expect(pool.waiting!()).toBe(3); // two workers, five calls
    await Promise.all(calls);
    expect(pool.waiting!()).toBe(0);
  });

  test('when many calls arrive at once, then each gets its own answer and the event loop keeps ticking', async () => {
    const names = Array.from({ length: 24 }, (_, i) => photos[i % photos.length].name);
    let ticks = 0;
    let longestGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 10);
    const begun = performance.now();
    const results = await Promise.all(names.map((name) => pool.classify(copyOf(name))));
    const elapsed = performance.now() - begun;
    clearInterval(ticker);

    results.forEach(({ labels, embedding }, i) => {
      expect(labels.map((l) => l.name)).toEqual(expected.get(names[i])!.map((l) => l.name));
      // The embedding crosses from the worker whole, as the model in this thread gives it.
      expect([...embedding!]).toEqual(expectedEmbedding.get(names[i]));
      expect(labels[0].probability).toBeCloseTo(expected.get(names[i])![0].probability, 5);
    });
    console.log(`pool of 2: ${(elapsed / names.length).toFixed(1)} ms per image, ${ticks} ticks, longest gap ${longestGap.toFixed(0)} ms`);
    expect(ticks).toBeGreaterThan(elapsed / 10 / 3);
    expect(longestGap).toBeLessThan(250);
  });

  test('when classify is given a buffer, then it is transferred, not copied', async () => {
    const input = copyOf(photos[0].name);
    const answer = pool.classify(input);
    expect(input.byteLength).toBe(0); // detached: the worker owns it now
    await answer;
  });

  test('when given a view into a larger buffer, then the rest of that buffer is left alone', async () => {
    const big = new Uint8Array(pixels.get(photos[0].name)!.length + 16);
    big.set(pixels.get(photos[0].name)!, 16);
    const { labels } = await pool.classify(big.subarray(16));
    expect(big.byteLength).toBe(pixels.get(photos[0].name)!.length + 16);
    expect(labels[0].name).toBe(expected.get(photos[0].name)![0].name);
  });

  test('when the input has the wrong size, then only that call is rejected', async () => {
    const [bad, good] = await Promise.allSettled([pool.classify(new Uint8Array(10)), pool.classify(copyOf(photos[1].name))]);
    expect(bad.status).toBe('rejected');
    expect(good.status).toBe('fulfilled');
  });

  test('when a worker dies mid-call, then only its call fails and a new worker takes its place', async () => {
    const calls = photos.slice(0, 4).map((p) => pool.classify(copyOf(p.name)));
    await started[0].terminate();
    const outcomes = await Promise.allSettled(calls);
    const failed = outcomes.filter((o) => o.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(String((failed[0] as PromiseRejectedResult).reason)).toMatch(/worker stopped/);

    await vi.waitFor(() => expect(started).toHaveLength(3), { timeout: 30_000, interval: 50 });
    const after = await Promise.all(photos.map((p) => pool.classify(copyOf(p.name))));
    after.forEach(({ labels }, i) => expect(labels[0].name).toBe(expected.get(photos[i].name)![0].name));
  }, 60_000);

  test('when closed, then its workers stop and later calls are refused', async () => {
    const extra = await createClassifierPool({ modelDir: fx.modelDir, size: 1 });
    const worker = started.at(-1)!;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await extra.close();
    await exited;
    await expect(extra.classify(copyOf(photos[0].name))).rejects.toThrow(/closed/);
  }, 60_000);

  test('when the model folder is wrong, then creating the pool fails', async () => {
    await expect(createClassifierPool({ modelDir: fx.sharedDir, size: 1 })).rejects.toThrow();
  }, 60_000);
});
