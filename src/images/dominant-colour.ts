const LEVELS = 16; // bins per channel, as in sharp's stats().dominant
const BIN = 256 / LEVELS;
const OPAQUE = 128;

/**
 * sharp's stats().dominant counts the colour hidden under transparent pixels (often black), so for
 * images with alpha the same 16x16x16 histogram is taken here over the visibly opaque pixels only.
 * Returns the winning bin's centre as '#rrggbb' (sharp's convention), or undefined if nothing is opaque.
 */
export function dominantOpaqueHex(rgba: Uint8Array): string | undefined {
  const counts = new Uint32Array(LEVELS ** 3);
  let best = -1;
  let bestCount = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i + 3] < OPAQUE) continue;
    const bin = ((rgba[i] >> 4) * LEVELS + (rgba[i + 1] >> 4)) * LEVELS + (rgba[i + 2] >> 4);
    if (++counts[bin] > bestCount) [best, bestCount] = [bin, counts[bin]];
  }
  if (best < 0) return undefined;
  const centre = (level: number) => (level * BIN + BIN / 2).toString(16).padStart(2, '0');
  return `#${centre(Math.floor(best / LEVELS ** 2))}${centre(Math.floor(best / LEVELS) % LEVELS)}${centre(best % LEVELS)}`;
}
