// Figures 15c and 15d (issue 15): the near-duplicate look-up at 100k images of one owner, against reading all
// of that owner's hashes; and what the hash adds to an upload's analysis, measured on the same photos in the
// same run. Also the distances the radius was chosen from: copies of the test photos (resized, recompressed,
// cropped) and every pair of different ones.
import { readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { analyseImage, decodeImage } from '../../src/images/analysis.js';
import { findNearCopies, hashColumns } from '../../src/images/near-copies.js';
import { hammingDistance, NEAR_RADIUS, perceptualHash, type PerceptualHash } from '../../src/images/perceptual-hash.js';
import type { Figure } from '../lib/figure.js';
import { outDir } from '../lib/paths.js';
import type { BenchPhoto } from '../lib/photos.js';
import { median, percentile, round, seededInts } from '../lib/stats.js';
import { oneOwnerLibrary } from '../lib/one-owner.js';

const LIBRARY = 100_000;
const LOOKUPS = 200;
const MAX_PIXELS = 100_000_000;
const testPhotos = ['photos', 'imagenet-dev'].flatMap((dir) => {
  const full = path.resolve(import.meta.dirname, '../../../shared/testdata', dir);
  return readdirSync(full).filter((f) => /\.(png|jpe?g)$/i.test(f)).map((f) => path.join(full, f));
});

async function hashOf(file: string): Promise<PerceptualHash> {
  const hash = perceptualHash((await decodeImage(file, { maxPixels: MAX_PIXELS })).base);
  if (!hash) throw new Error(`${file} was taken as flat`);
  return hash;
}

/** The copies a library holds: the same photo made smaller, recompressed, or cropped 3% and 5% a side. */
const COPIES: Record<string, (image: sharp.Sharp, width: number, height: number) => sharp.Sharp> = {
  'half size': (image, width) => image.resize(Math.round(width / 2)).jpeg({ quality: 80 }),
  'JPEG quality 40': (image) => image.jpeg({ quality: 40 }),
  'WebP quality 50': (image) => image.webp({ quality: 50 }),
  'cropped 3%': (image, w, h) => image.extract({ left: Math.round(w * 0.03), top: Math.round(h * 0.03), width: Math.round(w * 0.94), height: Math.round(h * 0.94) }).jpeg(),
  'cropped 5%': (image, w, h) => image.extract({ left: Math.round(w * 0.05), top: Math.round(h * 0.05), width: Math.round(w * 0.9), height: Math.round(h * 0.9) }).jpeg(),
};

async function distances(): Promise<{ hashes: PerceptualHash[]; details: Record<string, string> }> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'near-'));
  const hashes: PerceptualHash[] = [];
  const byCopy = new Map<string, number[]>();
  try {
    for (const [i, file] of testPhotos.entries()) {
      const hash = await hashOf(file);
      hashes.push(hash);
      const { width, height } = await sharp(file).autoOrient().metadata();
      for (const [name, make] of Object.entries(COPIES)) {
        const copy = path.join(scratch, `${i}.img`);
        await make(sharp(file).autoOrient(), width, height).toFile(copy);
        byCopy.set(name, [...(byCopy.get(name) ?? []), hammingDistance(hash, await hashOf(copy))]);
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const others: number[] = [];
  for (let i = 0; i < hashes.length; i++) for (let j = i + 1; j < hashes.length; j++) others.push(hammingDistance(hashes[i], hashes[j]));
  const spread = (d: number[]) => `median ${median(d)}, max ${Math.max(...d)}; within ${NEAR_RADIUS}: ${d.filter((x) => x <= NEAR_RADIUS).length} of ${d.length}`;
  const details: Record<string, string> = {};
  for (const [name, d] of byCopy) details[`bits apart, ${name}`] = spread(d);
  details['bits apart, different photos'] = `min ${Math.min(...others)}, median ${median(others)}; within ${NEAR_RADIUS}: ${others.filter((x) => x <= NEAR_RADIUS).length} of ${others.length} pairs`;
  return { hashes, details };
}

const flipped = (hash: PerceptualHash, bits: number, next: () => number): PerceptualHash => {
  const bands = [...hash];
  const flips = new Set<number>();
  while (flips.size < bits) flips.add(next() % 64);
  for (const bit of flips) bands[bit >> 4] ^= 1 << (bit & 15);
  return bands as unknown as PerceptualHash;
};

/**
 * 100k images of one owner whose hashes cluster around the test photos' (each 12 to 24 bits off one of them):
 * a harder library for the band index than random hashes, whose bands would rarely meet.
 */
function seedLibrary(file: string, hashes: PerceptualHash[]) {
  const { db, sqlite } = oneOwnerLibrary(file, 'near');
  const next = seededInts(15);
  const insert = sqlite.prepare(`INSERT INTO images (id, owner_id, visibility, original_name, format, bytes, width, height, colour_hex,
    colour_name, classified, created_at, shot_at, phash_0, phash_1, phash_2, phash_3)
    VALUES (?, 1, 'public', ?, 'jpeg', 1000, 640, 480, '#808080', 'gray', 0, ?, ?, ?, ?, ?, ?)`);
  sqlite.transaction(() => {
    for (let i = 0; i < LIBRARY; i++) {
      const bands = Object.values(hashColumns(flipped(hashes[i % hashes.length], 12 + (next() % 13), next)));
      insert.run(randomUUID(), `photo-${i}.jpg`, i, i, ...bands);
    }
  })();
  sqlite.exec('ANALYZE');
  return db;
}

async function lookups(hashes: PerceptualHash[]): Promise<Figure> {
  const file = path.join(outDir, 'data/near-duplicates.sqlite');
  const db = seedLibrary(file, hashes);
  const next = seededInts(99);
  const asked = Array.from({ length: LOOKUPS }, (_, i) => flipped(hashes[i % hashes.length], next() % 5, next));
  const timed = async (work: (hash: PerceptualHash) => Promise<unknown>) => {
    const ms: number[] = [];
    for (const hash of asked) {
      const start = performance.now();
      await work(hash);
      ms.push(performance.now() - start);
    }
    return ms;
  };
  try {
    let found = 0;
    const indexed = await timed(async (hash) => (found += (await findNearCopies(db, 1, hash, { limit: 6 })).length));
    // The same answer without the bands: every hash of the owner read and compared.
    const scan = await timed(async (hash) => {
      const rows = await db.query.selectFrom('images').select(['seq', 'phash_0', 'phash_1', 'phash_2', 'phash_3']).where('owner_id', '=', 1).execute();
      return rows.filter((r) => hammingDistance(hash, [r.phash_0!, r.phash_1!, r.phash_2!, r.phash_3!]) <= NEAR_RADIUS);
    });
    const p50 = median(indexed);
    return {
      id: '15c', title: `15c near-duplicate look-up, ${LIBRARY.toLocaleString('en-US')} images of one owner (p50)`, value: round(p50, 2), unit: 'ms',
      comparison: { label: 'every hash of the owner read and compared', value: round(median(scan), 1), unit: 'ms', ratio: round(median(scan) / p50, 0), ratioLabel: 'x faster' },
      target: { text: 'p50 < 10 ms', met: p50 < 10 },
      details: { 'look-up p99 (ms)': round(percentile(indexed, 99), 2), 'look-ups': LOOKUPS, 'near copies found per look-up': round(found / LOOKUPS, 1) },
    };
  } finally {
    await db.close();
    rmSync(file, { force: true });
  }
}

/** The hash's share of an upload's analysis (decode, thumbnail, colours, model input), on the bench's photos. */
async function hashCost(photos: BenchPhoto[]): Promise<Figure> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'near-cost-'));
  let analysisMs = 0;
  let hashMs = 0;
  try {
    for (const photo of photos) {
      const start = performance.now();
      await analyseImage(photo.file, path.join(scratch, 'thumb.webp'), { maxPixels: MAX_PIXELS });
      analysisMs += performance.now() - start;
      const { base } = await decodeImage(photo.file, { maxPixels: MAX_PIXELS });
      const rounds = 5;
      const began = performance.now();
      for (let i = 0; i < rounds; i++) perceptualHash(base);
      hashMs += (performance.now() - began) / rounds;
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const before = analysisMs - hashMs;
  const slower = (analysisMs / before - 1) * 100;
  return {
    id: '15d', title: `15d upload analysis with the perceptual hash, ${photos.length} photos (per photo)`, value: round(analysisMs / photos.length, 1), unit: 'ms',
    comparison: { label: 'without it (the hash timed alone on the same decode)', value: round(before / photos.length, 1), unit: 'ms', ratio: round(slower, 2), ratioLabel: '% slower' },
    target: { text: '< 5% slower', met: slower < 5 },
    details: { 'hash alone (ms per photo)': round(hashMs / photos.length, 3) },
  };
}

export async function nearDuplicates(photos: BenchPhoto[]): Promise<Figure[]> {
  const { hashes, details } = await distances();
  const lookup = await lookups(hashes);
  lookup.details = { ...lookup.details, ...details };
  return [lookup, await hashCost(photos)];
}
