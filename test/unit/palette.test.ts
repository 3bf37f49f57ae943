import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ciede2000, hexToLab, nameColour } from '../../src/images/colour.js';
import { dominantHex } from '../../src/images/dominant-colour.js';
import { HEX_RADIUS, MAX_COLOURS, MIN_SHARE, centresNear, paletteOf } from '../../src/images/palette.js';
import { photosDir } from '../helpers/fixtures.js';

const pixels = (...runs: [count: number, px: number[]][]) =>
  Uint8Array.from(runs.flatMap(([count, px]) => Array.from({ length: count }, () => px).flat()));

/** mulberry32: the same sample on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const toHex = (rgb: number[]) => '#' + rgb.map((v) => v.toString(16).padStart(2, '0')).join('');

describe('paletteOf', () => {
  it('when 70% is white and 30% red, then the palette is white then red with those shares', () => {
    expect(paletteOf(pixels([700, [250, 250, 250]], [300, [250, 10, 10]]), 3)).toEqual([
      { name: 'white', hex: '#f8f8f8', share: 0.7 },
      { name: 'red', hex: '#f80808', share: 0.3 },
    ]);
  });

  it('when one name is spread over several bins, then its shares add up and its hex is its fullest bin', () => {
    const palette = paletteOf(pixels([300, [250, 10, 10]], [250, [200, 30, 30]], [450, [10, 10, 250]]), 3);
    expect(palette).toEqual([
      { name: 'red', hex: '#f80808', share: 0.55 },
      { name: 'blue', hex: '#0808f8', share: 0.45 },
    ]);
  });

  it('when a colour covers less than MIN_SHARE, then it is left out', () => {
    const few = Math.round((MIN_SHARE - 0.01) * 1000);
    const palette = paletteOf(pixels([1000 - few, [250, 250, 250]], [few, [10, 10, 250]]), 3);
    expect(palette.map((c) => c.name)).toEqual(['white']);
  });

  it('when more than MAX_COLOURS names are large enough, then only the largest MAX_COLOURS are kept', () => {
    const colours = [[250, 250, 250], [250, 10, 10], [10, 10, 250], [10, 200, 10], [250, 250, 10], [10, 10, 10], [130, 0, 130]];
    const palette = paletteOf(pixels(...colours.map((px, i): [number, number[]] => [200 - i * 15, px])), 3);
    expect(palette.map((c) => c.name)).toEqual(['white', 'red', 'blue', 'green', 'yellow'].slice(0, MAX_COLOURS));
    expect(palette.map((c) => c.share)).toEqual([...palette.map((c) => c.share)].sort((x, y) => y - x));
  });

  it('when most pixels are transparent, then only the opaque ones count', () => {
    expect(paletteOf(pixels([700, [0, 0, 0, 0]], [300, [250, 10, 10, 255]]), 4)).toEqual([{ name: 'red', hex: '#f80808', share: 1 }]);
  });

  it('when nothing is opaque, then the palette is empty', () => {
    expect(paletteOf(pixels([10, [255, 255, 255, 0]]), 4)).toEqual([]);
  });

  it('when the fullest bin is a small name, then that name is still in the palette, last, with its own share', () => {
    // 4% in one white bin; the rest in 32 bins of 3% each, every one of them under the white bin.
    const random = seeded(7);
    const spread = Array.from({ length: 32 }, (_, i): [number, number[]] => [30, [16 * (i % 8) + 8, 16 * Math.floor(random() * 8) + 8, 16 * (i >> 3) + 8]]);
    const palette = paletteOf(pixels([40, [255, 255, 255]], ...spread), 3);
    expect(palette.at(-1)).toEqual({ name: 'white', hex: '#f8f8f8', share: 0.04 });
  });

  it('when given any image, then its colour tag and the tag bin are in the palette', () => {
    const random = seeded(11);
    for (let n = 0; n < 200; n++) {
      // A few clusters of random size and spread, like the regions of a photo.
      const runs = Array.from({ length: 2 + Math.floor(random() * 6) }, (): [number, number[]] => {
        const base = [0, 0, 0].map(() => Math.floor(random() * 256));
        return [1 + Math.floor(random() * 300), base];
      });
      const px = pixels(...runs.flatMap(([count, base]) =>
        Array.from({ length: count }, (): [number, number[]] => [1, base.map((v) => Math.min(255, Math.max(0, v + Math.floor(random() * 40) - 20)))])));
      const tagHex = dominantHex(px, 3)!;
      expect(paletteOf(px, 3)).toContainEqual(expect.objectContaining({ name: nameColour(tagHex), hex: tagHex }));
    }
  });

  it('when given the red macaw photo decoded as the app does, then red is among its colours', async () => {
    const file = path.join(photosDir, 'coral_parrot.png');
    const base = await sharp(file).autoOrient().resize(512, 512, { fit: 'inside', withoutEnlargement: true }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const { data, info } = await sharp(base.data, { raw: base.info }).resize(256, 256, { fit: 'inside', withoutEnlargement: true }).raw().toBuffer({ resolveWithObject: true });
    const palette = paletteOf(data, info.channels === 4 ? 4 : 3);
    expect(palette.map((c) => c.name)).toContain('red');
    expect(palette.map((c) => c.name)).toContain(nameColour(dominantHex(data, info.channels === 4 ? 4 : 3)!));
  });
});

describe('centresNear', () => {
  const centres = Array.from({ length: 4096 }, (_, bin) => toHex([bin >> 8, (bin >> 4) & 15, bin & 15].map((level) => level * 16 + 8)));

  it('when a colour is searched, then exactly the bin centres within HEX_RADIUS are found, nearest first (seeded sample)', () => {
    const random = seeded(2024);
    for (let n = 0; n < 60; n++) {
      const hex = toHex([0, 0, 0].map(() => Math.floor(random() * 256)));
      const lab = hexToLab(hex);
      const found = centresNear(hex).filter((c) => c.hex !== hex);
      const within = centres.filter((c) => ciede2000(lab, hexToLab(c)) <= HEX_RADIUS);
      expect(new Set(found.map((c) => c.hex))).toEqual(new Set(within));
      expect(found.map((c) => c.distance)).toEqual([...found.map((c) => c.distance)].sort((a, b) => a - b));
    }
  });

  it('when a palette colour is searched by its own hex, then it comes first at distance 0', () => {
    expect(centresNear('#c84848')[0]).toEqual({ hex: '#c84848', distance: 0 });
  });

  it('when a colour that is no centre is searched, then its exact hex is found too, first', () => {
    const near = centresNear('#C0392B');
    expect(near[0]).toEqual({ hex: '#c0392b', distance: 0 });
    expect(near.length).toBeGreaterThan(5);
  });

  it('when the furthest pairs on an axis are within the radius (CIEDE2000 forgives chroma in the blues), then each centre finds the other', () => {
    // Far apart in CIELAB's b (62) yet within 10: why near colours are measured, not boxed.
    expect(ciede2000(hexToLab('#537694'), hexToLab('#0066ff'))).toBeLessThanOrEqual(HEX_RADIUS);
  });
});
