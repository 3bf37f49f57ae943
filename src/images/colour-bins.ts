import { ciede2000, hexToLab, type Lab } from './colour.js';

/**
 * A `#rrggbb` search finds the colours within this CIEDE2000 distance. 10 is "the same colour at a glance":
 * it reaches past the error of storing a colour as the centre of its 16³ histogram bin (ΔE00 1.5 typically,
 * 6.8 at the 99th percentile) and past the neighbouring bins (3.7 apart typically), while the reference
 * colours of two different names are mostly further apart than that.
 */
export const HEX_RADIUS = 10;

const LEVELS = 16; // bins per channel, the histogram of dominantHex and paletteOf

/** The '#rrggbb' of a histogram bin's centre: every stored colour (tag and palette) is one of these 4,096. */
export function centreHex(bin: number): string {
  const centre = (level: number) => (level * (256 / LEVELS) + 128 / LEVELS).toString(16).padStart(2, '0');
  return `#${centre(bin >> 8)}${centre((bin >> 4) & 15)}${centre(bin & 15)}`;
}

let centres: { hex: string; lab: Lab }[] | undefined;

/**
 * The bin centres within HEX_RADIUS of `hex` (and `hex` itself), nearest first: the stored colours a search for it finds, each
 * a search term of its own. Measured against all 4,096 centres (about a millisecond), because CIEDE2000
 * reaches far in a and b (up to 45 and 62 within a distance of 10, in the blues), so no box in CIELAB
 * around the colour would hold only near ones.
 */
export function centresNear(hex: string): { hex: string; distance: number }[] {
  centres ??= Array.from({ length: LEVELS ** 3 }, (_, bin) => ({ hex: centreHex(bin), lab: hexToLab(centreHex(bin)) }));
  const wanted = hexToLab(hex);
  const near = centres.map((c) => ({ hex: c.hex, distance: ciede2000(wanted, c.lab) })).filter((c) => c.distance <= HEX_RADIUS);
  // The colour itself, when it is not a centre: a colour stored as typed is found by its exact hex.
  if (!near.some((c) => c.distance === 0)) near.push({ hex: hex.toLowerCase(), distance: 0 });
  return near.sort((a, b) => a.distance - b.distance);
}
