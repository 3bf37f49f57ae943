import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { bandNeighbours, hammingDistance, NEAR_RADIUS, perceptualHash, type PerceptualHash } from '../../src/images/perceptual-hash.js';
import type { Raw } from '../../src/images/analysis.js';
import { noiseRaw } from '../helpers/fixtures.js';

const raw = async (image: sharp.Sharp): Promise<Raw> => (await image.raw().toBuffer({ resolveWithObject: true })) as Raw;
const hashOf = (base: Raw): PerceptualHash => {
  const hash = perceptualHash(base);
  if (!hash) throw new Error('the image was taken as flat');
  return hash;
};
const noise = (width: number, height: number) => sharp(noiseRaw(width, height), { raw: { width, height, channels: 3 } });

describe('perceptualHash', () => {
  it('when an image is blurred, brightened or shrunk, then its hash moves a few bits; another image lands far off', async () => {
    const base = await raw(noise(64, 48).resize(512, 384, { kernel: 'cubic' }));
    const hash = hashOf(base);
    const image = () => sharp(base.data, { raw: base.info });
    expect(hammingDistance(hash, hashOf(await raw(image().blur(1.5))))).toBeLessThanOrEqual(4);
    expect(hammingDistance(hash, hashOf(await raw(image().linear(1.1, 10))))).toBeLessThanOrEqual(4);
    expect(hammingDistance(hash, hashOf(await raw(image().resize(200))))).toBeLessThanOrEqual(4);
    // The fixture's noise is seeded: another size lays it out as another picture.
    const other = hashOf(await raw(noise(48, 64).resize(384, 512, { kernel: 'cubic' })));
    expect(hammingDistance(hash, other)).toBeGreaterThan(NEAR_RADIUS);
  });

  it('when the image is smaller than the 32 px grid, or grey, then it still has a hash', async () => {
    for (const image of [noise(7, 5), noise(40, 3)]) {
      const hash = hashOf(await raw(image));
      expect(hash.every((band) => Number.isInteger(band) && band >= 0 && band < 65536)).toBe(true);
    }
    const grey = await raw(noise(64, 64).greyscale().toColourspace('b-w'));
    expect(grey.info.channels).toBe(1);
    expect(hashOf(grey)).toHaveLength(4);
  });

  it('when the image is flat (one colour, one pixel, or wholly transparent), then it has no hash, so no two flat images match', async () => {
    const solid = (background: string, width = 64, height = 64) => raw(sharp({ create: { width, height, channels: 3, background } }));
    for (const base of [await solid('#ffffff'), await solid('#102030'), await solid('#ff0000', 1, 1), await raw(noise(1, 1)), await raw(noise(64, 64).ensureAlpha(0))]) {
      expect(perceptualHash(base)).toBeNull();
    }
    // Nearly flat is not flat: a faint gradient still has a hash.
    const faint = await raw(sharp(Buffer.from(Array.from({ length: 64 * 64 }, (_, i) => 120 + Math.floor((i % 64) / 8))), { raw: { width: 64, height: 64, channels: 1 } }));
    expect(perceptualHash(faint)).not.toBeNull();
  });
});

describe('bandNeighbours', () => {
  it('when two hashes are within NEAR_RADIUS bits, then one band of either is among the other\'s band neighbours', () => {
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed >>> 8); // a seeded LCG
    for (let trial = 0; trial < 2000; trial++) {
      const a = [random() & 0xffff, random() & 0xffff, random() & 0xffff, random() & 0xffff] as const;
      const b = [...a];
      const flips = new Set<number>();
      while (flips.size < 1 + (trial % NEAR_RADIUS)) flips.add(random() % 64);
      for (const bit of flips) b[bit >> 4] ^= 1 << (bit & 15);
      const other = b as unknown as PerceptualHash;
      expect(hammingDistance(a, other)).toBe(flips.size);
      expect([0, 1, 2, 3].some((k) => bandNeighbours(a[k]).includes(other[k]))).toBe(true);
    }
    expect(new Set(bandNeighbours(0)).size).toBe(137);
  });
});
