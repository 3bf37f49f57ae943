import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { dominantHex } from '../../src/images/dominant-colour.js';

const pixels = (...runs: [count: number, px: number[]][]) =>
  Uint8Array.from(runs.flatMap(([count, px]) => Array.from({ length: count }, () => px).flat()));

describe('dominantHex', () => {
  it('when 70% is red and 30% blue, then it is the red bin, not a purple average', () => {
    expect(dominantHex(pixels([70, [250, 10, 10]], [30, [10, 10, 250]]), 3)).toBe('#f80808');
    expect(dominantHex(pixels([30, [250, 10, 10]], [70, [10, 10, 250]]), 3)).toBe('#0808f8');
  });

  it('when most pixels are transparent, then only the opaque ones choose the colour', () => {
    expect(dominantHex(pixels([700, [0, 0, 0, 0]], [300, [255, 0, 0, 255]]), 4)).toBe('#f80808');
  });

  it('when nothing is opaque, then there is no answer', () => {
    expect(dominantHex(pixels([10, [255, 255, 255, 0]]), 4)).toBeUndefined();
  });

  it('when sharp finds a clear peak, then this is the same bin as its stats().dominant', async () => {
    // 50% teal, 30% orange, 20% noise: one bin clearly fullest.
    const width = 100;
    const height = 100;
    const data = Buffer.alloc(width * height * 3);
    for (let i = 0; i < width * height; i++) {
      const px = i % 10 < 5 ? [20, 140, 140] : i % 10 < 8 ? [240, 140, 20] : [(i * 37) % 256, (i * 91) % 256, (i * 53) % 256];
      data.set(px, i * 3);
    }
    const { dominant } = await sharp(data, { raw: { width, height, channels: 3 } }).stats();
    const hex = '#' + [dominant.r, dominant.g, dominant.b].map((v) => v.toString(16).padStart(2, '0')).join('');
    expect(dominantHex(data, 3)).toBe(hex);
  });
});
