import { describe, expect, it } from 'vitest';
import { dominantOpaqueHex } from '../../src/images/dominant-colour.js';

const pixels = (...runs: [count: number, rgba: [number, number, number, number]][]) =>
  Uint8Array.from(runs.flatMap(([count, rgba]) => Array.from({ length: count }, () => rgba).flat()));

describe('dominantOpaqueHex', () => {
  it('when most pixels are transparent, then only the opaque ones choose the colour', () => {
    expect(dominantOpaqueHex(pixels([700, [0, 0, 0, 0]], [300, [255, 0, 0, 255]]))).toBe('#f80808');
  });

  it('when 70% is red and 30% blue, then it is the red bin, not a purple average', () => {
    expect(dominantOpaqueHex(pixels([70, [250, 10, 10, 255]], [30, [10, 10, 250, 255]]))).toBe('#f80808');
  });

  it('when nothing is opaque, then there is no answer', () => {
    expect(dominantOpaqueHex(pixels([10, [255, 255, 255, 0]]))).toBeUndefined();
  });
});
