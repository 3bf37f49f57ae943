import { describe, expect, it } from 'vitest';
import { PALETTE, ciede2000, hexToLab, nameColour } from '../../src/images/colour.js';

// Rows from Sharma, Wu and Dalal (2005), Table 1: [L1, a1, b1, L2, a2, b2, expected ΔE00].
// Chosen to cover the hue-wrap, hue-mean and blue-rotation branches.
const SHARMA: ReadonlyArray<readonly [number, number, number, number, number, number, number]> = [
  [50.0, 2.6772, -79.7751, 50.0, 0.0, -82.7485, 2.0425],
  [50.0, -1.3802, -84.2814, 50.0, 0.0, -82.7485, 1.0],
  [50.0, 0.0, 0.0, 50.0, -1.0, 2.0, 2.3669],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0009, 7.1792],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0011, 7.2195],
  [50.0, -0.001, 2.49, 50.0, 0.0011, -2.49, 4.7461],
  [50.0, 2.5, 0.0, 73.0, 25.0, -18.0, 27.1492],
  [50.0, 2.5, 0.0, 58.0, 24.0, 15.0, 19.4535],
  [2.0776, 0.0795, -1.135, 0.9033, -0.0636, -0.5514, 0.9082],
];

describe('ciede2000', () => {
  it.each(SHARMA)('when given Sharma pair (%f, %f, %f) / (%f, %f, %f), then the difference is %f', (...row) => {
    const [L1, a1, b1, L2, a2, b2, expected] = row;
    expect(ciede2000([L1, a1, b1], [L2, a2, b2])).toBeCloseTo(expected, 4);
    expect(ciede2000([L2, a2, b2], [L1, a1, b1])).toBeCloseTo(expected, 4);
  });
});

describe('hexToLab', () => {
  it('when given sRGB white and red, then it returns their D65 CIELAB values', () => {
    const [L, a, b] = hexToLab('#FFFFFF');
    expect(L).toBeCloseTo(100, 2);
    expect(a).toBeCloseTo(0, 2);
    expect(b).toBeCloseTo(0, 2);
    const red = hexToLab('#ff0000');
    expect(red[0]).toBeCloseTo(53.24, 1);
    expect(red[1]).toBeCloseTo(80.09, 1);
    expect(red[2]).toBeCloseTo(67.2, 1);
  });

  it.each(['red', '#fff', '#12345g', 'ff0000', '#ff00000'])('when given %j, then it throws', (bad) => {
    expect(() => hexToLab(bad)).toThrow(TypeError);
    expect(() => nameColour(bad)).toThrow(TypeError);
  });
});

describe('nameColour', () => {
  it.each([
    ['#ff0000', 'red'],
    ['#000080', 'blue'], // navy
    ['#87ceeb', 'blue'], // sky blue
    ['#228b22', 'green'], // forest green
    ['#8b4513', 'brown'],
    ['#ffc0cb', 'pink'],
    ['#808080', 'gray'],
    ['#0a0a0a', 'black'],
    ['#f8f8f8', 'white'],
    ['#ffa500', 'orange'],
    ['#ff8c00', 'orange'],
    ['#ffff00', 'yellow'],
    ['#800080', 'purple'],
    ['#008080', 'teal'],
    ['#f5f5dc', 'beige'],
    ['#ff69b4', 'pink'],
    ['#d3d3d3', 'gray'],
    ['#987858', 'brown'], // the dominant colour of a brown tabby (skimage chelsea)
    ['#706050', 'brown'], // dark taupe, nearer gray than any saturated brown
  ])('when given %s, then it is named %s', (hex, name) => {
    expect(nameColour(hex)).toBe(name);
  });

  // Each of these is nearer (in RGB) to a reference colour of another name; CIEDE2000 names it as a person would.
  it.each([
    ['#336633', 'green'], // dull dark green, RGB-nearest to dark gray
    ['#669966', 'green'], // sage, RGB-nearest to gray
    ['#663366', 'purple'], // plum, RGB-nearest to dark brown
    ['#ffff99', 'yellow'], // pale yellow, RGB-nearest to beige
    ['#ff9999', 'pink'], // light coral-pink, RGB-nearest to beige
    ['#ffccff', 'pink'], // pale pink, RGB-nearest to white
  ])('when %s is RGB-close to another name, then it is still named %s', (hex, name) => {
    expect(rgbNearestName(hex)).not.toBe(name);
    expect(nameColour(hex)).toBe(name);
  });

  it('when listing the palette, then every name is one plain lowercase word and names its own reference colours', () => {
    for (const { name, hex } of PALETTE) {
      expect(name).toMatch(/^[a-z]+$/);
      expect(nameColour(hex)).toBe(name);
    }
  });
});

function rgbNearestName(hex: string): string {
  const rgb = (h: string) => [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16));
  const target = rgb(hex);
  const squared = (h: string) => rgb(h).reduce((sum, v, i) => sum + (v - target[i]!) ** 2, 0);
  return PALETTE.reduce((best, entry) => (squared(entry.hex) < squared(best.hex) ? entry : best)).name;
}

