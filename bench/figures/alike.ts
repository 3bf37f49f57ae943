// Figures 15g and 15h (issue 15): the "Similar images" look-up by the model's embedding at 100k images of one
// owner, against reading and comparing every embedding of that owner; and what the perceptual hash and the
// embedding add to an upload's analysis and classification, measured on the same photos in the same run.
import { readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { analyseImage, decodeImage } from '../../src/images/analysis.js';
import { alikeKeyOf, findAlike } from '../../src/images/alike.js';
import type { Label } from '../../src/images/classifier.js';
import { cosine, decodeEmbedding, encodeEmbedding, type Embedding } from '../../src/images/embedding.js';
import { perceptualHash } from '../../src/images/perceptual-hash.js';
import { diskModel, loadTfjsClassifier } from '../../src/images/tfjs-classifier.js';
import type { Figure } from '../lib/figure.js';
import { modelDir, outDir, sharedDir } from '../lib/paths.js';
import type { BenchPhoto } from '../lib/photos.js';
import { median, percentile, round, seededInts } from '../lib/stats.js';
import { oneOwnerLibrary } from '../lib/one-owner.js';

const LIBRARY = 100_000;
const LOOKUPS = 200;
const MAX_PIXELS = 100_000_000;

type Seen = { labels: Label[]; embedding: Embedding };

/** What the real model sees in the shared test photos: the seeds of the library. */
async function seenInTestPhotos(): Promise<Seen[]> {
  const files = ['photos', 'imagenet-dev'].flatMap((dir) => {
    const full = path.join(sharedDir, 'testdata', dir);
    return readdirSync(full).filter((f) => /\.(png|jpe?g)$/i.test(f)).map((f) => path.join(full, f));
  });
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'alike-'));
  const classifier = await loadTfjsClassifier(modelDir);
  try {
    const seen: Seen[] = [];
    for (const file of files) {
      const { labels, embedding } = await classifier.classify((await analyseImage(file, path.join(scratch, 't.webp'), { maxPixels: MAX_PIXELS })).modelInput);
      seen.push({ labels, embedding: embedding! }); // the shipped model names its embedding node
    }
    return seen;
  } finally {
    await classifier.close();
    await rm(scratch, { recursive: true, force: true });
  }
}


/** 100k images of one owner, each a test photo's labels with its embedding a little disturbed. */
function seedLibrary(file: string, seen: Seen[]) {
  const { db, sqlite } = oneOwnerLibrary(file, 'alike');
  const next = seededInts(7);
  const image = sqlite.prepare(`INSERT INTO images (id, owner_id, visibility, original_name, format, bytes, width, height, colour_hex,
    colour_name, classified, labels, created_at, shot_at, embedding, alike_key) VALUES (?, 1, 'public', ?, 'jpeg', 1000, 640, 480, '#808080', 'gray', 1, ?, ?, ?, ?, ?)`);
  sqlite.transaction(() => {
    for (let i = 0; i < LIBRARY; i++) {
      const { labels, embedding } = seen[i % seen.length];
      const noisy = embedding.map((v) => Math.max(0, Math.min(255, v + (next() % 61) - 30)));
      image.run(randomUUID(), `photo-${i}.jpg`, JSON.stringify(labels), i, i, encodeEmbedding(noisy), alikeKeyOf(labels));
    }
  })();
  sqlite.exec('ANALYZE');
  return db;
}

async function lookups(seen: Seen[]): Promise<Figure> {
  const file = path.join(outDir, 'data/alike.sqlite');
  const seeded = performance.now();
  const db = seedLibrary(file, seen);
  const seedSeconds = (performance.now() - seeded) / 1000;
  const next = seededInts(42);
  try {
    const asked = Array.from({ length: LOOKUPS }, () => 1 + (next() % LIBRARY));
    const rows = await db.query.selectFrom('images').select(['seq', 'labels', 'embedding']).where('seq', 'in', asked).execute();
    let found = 0;
    const indexed: number[] = [];
    for (const row of rows) {
      const started = performance.now();
      found += (await findAlike(db, { seq: row.seq, ownerId: 1, labels: JSON.parse(row.labels!) as Label[] }, decodeEmbedding(row.embedding!)!, { limit: 6, publicOnly: false })).length;
      indexed.push(performance.now() - started);
    }
    // The same question without the terms' index: every embedding of the owner read and compared.
    const scan: number[] = [];
    for (const row of rows.slice(0, 3)) {
      const started = performance.now();
      const mine = decodeEmbedding(row.embedding!)!;
      const all = await db.query.selectFrom('images').select(['seq', 'embedding']).where('owner_id', '=', 1).execute();
      all.map((r) => cosine(mine, decodeEmbedding(r.embedding!)!)).sort((a, b) => b - a).slice(0, 6);
      scan.push(performance.now() - started);
    }
    const p50 = median(indexed);
    return {
      id: '15g', title: `15g similar-image look-up by embedding, ${LIBRARY.toLocaleString('en-US')} images of one owner (p50)`, value: round(p50, 2), unit: 'ms',
      comparison: { label: 'every embedding of the owner read and compared', value: round(median(scan), 0), unit: 'ms', ratio: round(median(scan) / p50, 0), ratioLabel: 'x faster' },
      target: { text: 'p50 < 20 ms', met: p50 < 20 },
      details: { 'look-up p99 (ms)': round(percentile(indexed, 99), 2), 'look-ups': rows.length, 'alike found per look-up': round(found / rows.length, 1), 'library seeded in (s)': round(seedSeconds, 1) },
    };
  } finally {
    await db.close();
    rmSync(file, { force: true });
  }
}

/**
 * Ingest's own work on each photo (analysis with the hash, classification with the embedding) against the
 * same without them: the hash timed alone on the same decode, and the model run for its classes alone, in
 * alternation with the run that also reads the embedding.
 */
async function ingestCost(photos: BenchPhoto[]): Promise<Figure> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'alike-cost-'));
  const model = await loadGraphModel(diskModel(modelDir));
  const run = async (input: tf.Tensor, outputs: string[]) => {
    const started = performance.now();
    const out = [model.execute(input, outputs)].flat(); // one output name gives a tensor, not a list
    const [probabilities, pooled] = [tf.softmax(out[0]), out[1]];
    await probabilities.data();
    if (pooled) await pooled.data();
    tf.dispose([...out, probabilities]);
    return performance.now() - started;
  };
  const [classes, embedding] = ['logits', 'module_apply_default/MobilenetV2/Logits/AvgPool'];
  let analysisMs = 0;
  let hashMs = 0;
  const alone: number[] = [];
  const both: number[] = [];
  try {
    for (const [i, photo] of photos.entries()) {
      const started = performance.now();
      const analysis = await analyseImage(photo.file, path.join(scratch, 'thumb.webp'), { maxPixels: MAX_PIXELS });
      analysisMs += performance.now() - started;
      const { base } = await decodeImage(photo.file, { maxPixels: MAX_PIXELS });
      const began = performance.now();
      for (let r = 0; r < 5; r++) perceptualHash(base);
      hashMs += (performance.now() - began) / 5;
      const input = tf.tidy(() => tf.tensor4d(Float32Array.from(analysis.modelInput, (v) => v / 127.5 - 1), [1, 224, 224, 3]));
      if (i === 0) for (let w = 0; w < 15; w++) await run(input, [classes, embedding]); // the wasm tiers up first
      for (let r = 0; r < 3; r++) {
        alone.push(await run(input, [classes]));
        both.push(await run(input, [classes, embedding]));
      }
      input.dispose();
    }
  } finally {
    model.dispose();
    await rm(scratch, { recursive: true, force: true });
  }
  const n = photos.length;
  const after = analysisMs / n + median(both);
  const before = (analysisMs - hashMs) / n + median(alone);
  const slower = (after / before - 1) * 100;
  return {
    id: '15h', title: `15h upload analysis and classification with the hash and the embedding, ${n} photos (per photo)`, value: round(after, 1), unit: 'ms',
    comparison: { label: 'without them', value: round(before, 1), unit: 'ms', ratio: round(slower, 2), ratioLabel: '% slower' },
    target: { text: '< 5% slower', met: slower < 5 },
    details: { 'hash alone (ms per photo)': round(hashMs / n, 3), 'model run, classes only (ms, median)': round(median(alone), 2), 'model run with the embedding (ms, median)': round(median(both), 2) },
  };
}

export async function similarImages(photos: BenchPhoto[]): Promise<Figure[]> {
  return [await lookups(await seenInTestPhotos()), await ingestCost(photos)];
}
