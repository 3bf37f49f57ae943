import type { Raw } from './analysis.js';

/**
 * A 64-bit perceptual hash (the DCT hash): the image as 32×32 grey, its 8×8 lowest frequencies, one bit per
 * frequency, set where it is above their median. Resizing and recompressing barely move low frequencies, so
 * copies land a few bits apart while different photos land about 32 apart (README, "Near-duplicates").
 * Kept as four 16-bit bands, the way the database indexes it: two hashes within NEAR_RADIUS bits are within
 * two bits of each other on at least one band, so a look-up reads only images with a band that near.
 */
export type PerceptualHash = readonly [number, number, number, number];

/**
 * How many bits apart two hashes may be and still be one photo (`npm run bench -- --only near`): resized or
 * recompressed copies came within 4 bits, copies cropped 3% a side mostly within 10, different photos never
 * nearer than 16.
 */
export const NEAR_RADIUS = 10;

const GRID = 32;
const LOW = 8;

// cos((2x + 1) u π / 2N) for the 8 frequencies the hash keeps, over the 32 samples of a row or column.
const COSINES = Array.from({ length: LOW }, (_, u) => Float64Array.from({ length: GRID }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * GRID))));

/**
 * Below this spread of grey (levels of 255, over the 32×32 grid) an image is flat: a blank or one-colour
 * picture has no low frequencies to speak of, its bits would be rounding noise, and every flat image would
 * hash alike. It gets no hash and is nobody's near-duplicate.
 */
const FLAT_SPREAD = 1;

/** From the one decode every upload already has (transparent pixels laid on white, as for the model); null when flat. */
export function perceptualHash(base: Raw): PerceptualHash | null {
  const grey = greyGrid(base);
  if (spreadOf(grey) < FLAT_SPREAD) return null;
  // The 2-D DCT is separable: rows first (32 × 8), then the 8 kept columns.
  const rows = new Float64Array(GRID * LOW);
  for (let y = 0; y < GRID; y++) {
    for (let u = 0; u < LOW; u++) {
      let sum = 0;
      for (let x = 0; x < GRID; x++) sum += COSINES[u][x] * grey[y * GRID + x];
      rows[y * LOW + u] = sum;
    }
  }
  const low = new Float64Array(LOW * LOW);
  for (let v = 0; v < LOW; v++) {
    for (let u = 0; u < LOW; u++) {
      let sum = 0;
      for (let y = 0; y < GRID; y++) sum += COSINES[v][y] * rows[y * LOW + u];
      low[v * LOW + u] = sum;
    }
  }
  const median = medianOf(low);
  const bands = [0, 0, 0, 0];
  for (let i = 0; i < LOW * LOW; i++) if (low[i] > median) bands[i >> 4] |= 1 << (i & 15);
  return bands as unknown as PerceptualHash;
}

/** How many of the 64 bits differ. */
export function hammingDistance(a: PerceptualHash, b: PerceptualHash): number {
  let bits = 0;
  for (let k = 0; k < 4; k++) bits += popcount16(a[k] ^ b[k]);
  return bits;
}

/** A band's value and every value up to two bits from it (137): a hash within NEAR_RADIUS has a band among them. */
export function bandNeighbours(band: number): number[] {
  const near = [band];
  for (let i = 0; i < 16; i++) {
    near.push(band ^ (1 << i));
    for (let j = i + 1; j < 16; j++) near.push(band ^ (1 << i) ^ (1 << j));
  }
  return near;
}

function popcount16(n: number): number {
  let bits = 0;
  for (let v = n & 0xffff; v; v &= v - 1) bits++;
  return bits;
}

/** The standard deviation. */
function spreadOf(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return Math.sqrt(squares / values.length);
}

function medianOf(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  return (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}

/** Box averages of the luma over a 32×32 grid, which any image of at least 32 px a side fills. */
function greyGrid(base: Raw): Float64Array {
  const { data, info: { width, height, channels } } = base;
  const sums = new Float64Array(GRID * GRID);
  const counts = new Float64Array(GRID * GRID);
  const colour = channels >= 3;
  const alpha = channels === 2 || channels === 4;
  const columnCell = Int32Array.from({ length: width }, (_, x) => Math.min(GRID - 1, Math.floor((x * GRID) / width)));
  let p = 0;
  for (let y = 0; y < height; y++) {
    const row = Math.min(GRID - 1, Math.floor((y * GRID) / height)) * GRID;
    for (let x = 0; x < width; x++, p += channels) {
      let luma = colour ? 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2] : data[p];
      if (alpha) {
        const a = data[p + channels - 1] / 255;
        luma = luma * a + 255 * (1 - a);
      }
      const cell = row + columnCell[x];
      sums[cell] += luma;
      counts[cell]++;
    }
  }
  // An image narrower than 32 px leaves cells empty: each takes the nearest filled one of its row or column.
  for (let i = 0; i < sums.length; i++) sums[i] = counts[i] ? sums[i] / counts[i] : -1;
  for (let i = 0; i < sums.length; i++) {
    if (sums[i] >= 0) continue;
    const [cx, cy] = [i % GRID, Math.floor(i / GRID)];
    const fx = Math.min(width - 1, Math.floor((cx * width) / GRID));
    const fy = Math.min(height - 1, Math.floor((cy * height) / GRID));
    const source = Math.min(GRID - 1, Math.floor((fy * GRID) / height)) * GRID + Math.min(GRID - 1, Math.floor((fx * GRID) / width));
    sums[i] = sums[source];
  }
  return sums;
}
