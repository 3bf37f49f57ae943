import { PALETTE, nameColour } from './colour.js';

import { centreHex } from './colour-bins.js';

export { HEX_RADIUS, centresNear } from './colour-bins.js';

/** A named colour of an image: the centre of its fullest histogram bin, and the share of opaque pixels it covers. */
export type PaletteColour = { name: string; hex: string; share: number };

/**
 * The palette keeps every name that covers at least MIN_SHARE of the opaque pixels, at most MAX_COLOURS of
 * them, largest first. A twentieth of the picture is a patch anyone would name (the red of a macaw in a
 * green and brown garden); below it come the fringes between two colours and scattered highlights. Past five
 * names the ones left cover little of a real photo (see README). The name of the fullest bin is added last
 * when these leave it out, whatever its share, because the image's colour tag is that name and a tag must
 * be one of the palette's: a palette holds at most MAX_COLOURS + 1 names.
 */
export const MIN_SHARE = 0.05;
export const MAX_COLOURS = 5;

const LEVELS = 16; // bins per channel, the histogram of dominantHex
const OPAQUE = 128;
const NAMES = [...new Set(PALETTE.map((entry) => entry.name))];

let binNames: Uint8Array | undefined;

/**
 * Bin -> index in NAMES of the name of its centre: 4096 nameColour calls, about 200 ms, made once per
 * process. The server makes it before it listens (warmPalette): made at the first upload, it would hold the
 * event loop that long while every other request waits.
 */
export const warmPalette = () => void nameTable();

function nameTable(): Uint8Array {
  if (binNames) return binNames;
  const table = new Uint8Array(LEVELS ** 3);
  for (let bin = 0; bin < table.length; bin++) table[bin] = NAMES.indexOf(nameColour(centreHex(bin)));
  return (binNames = table);
}


/** The named colours of sRGB pixels (3 channels, or 4 with alpha: only opaque pixels count). Empty if none is. */
export function paletteOf(pixels: Uint8Array, channels: 3 | 4): PaletteColour[] {
  const { counts, total, dominant } = histogram(pixels, channels);
  if (total === 0) return [];
  const names = nameTable();
  const shares = new Float64Array(NAMES.length);
  const fullest = new Int32Array(NAMES.length).fill(-1);
  for (let bin = 0; bin < counts.length; bin++) {
    if (counts[bin] === 0) continue;
    const name = names[bin];
    shares[name] += counts[bin];
    if (fullest[name] < 0 || counts[bin] > counts[fullest[name]]) fullest[name] = bin;
  }
  // On a tie the dominant bin is the one dominantHex picks, so the tag's hex and name are the palette's.
  fullest[names[dominant]] = dominant;
  const ranked = [...NAMES.keys()].filter((n) => shares[n] > 0).sort((x, y) => shares[y] - shares[x] || x - y);
  const kept = ranked.filter((n) => shares[n] / total >= MIN_SHARE).slice(0, MAX_COLOURS);
  const tag = names[dominant];
  if (!kept.includes(tag)) kept.push(tag);
  return kept.map((n) => ({ name: NAMES[n], hex: centreHex(fullest[n]), share: Math.round((shares[n] / total) * 1000) / 1000 }));
}

/** The 16³ histogram of dominantHex, and its fullest bin chosen as it does (the first to reach the top count). */
function histogram(pixels: Uint8Array, channels: 3 | 4): { counts: Uint32Array; total: number; dominant: number } {
  const counts = new Uint32Array(LEVELS ** 3);
  let total = 0;
  let dominant = -1;
  let top = 0;
  for (let i = 0; i < pixels.length; i += channels) {
    if (channels === 4 && pixels[i + 3] < OPAQUE) continue;
    const bin = ((pixels[i] >> 4) << 8) | ((pixels[i + 1] >> 4) << 4) | (pixels[i + 2] >> 4);
    total++;
    if (++counts[bin] > top) [dominant, top] = [bin, counts[bin]];
  }
  return { counts, total, dominant };
}
