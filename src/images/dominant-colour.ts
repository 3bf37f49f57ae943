const LEVELS = 16; // bins per channel, as in sharp's stats().dominant
const BIN = 256 / LEVELS;
const OPAQUE = 128;

/**
 * The most common colour of sRGB pixels (3 channels, or 4 with alpha): the fullest bin of a 16x16x16
 * histogram, as '#rrggbb' of the bin's centre (sharp's convention for stats().dominant). With alpha only the
 * visibly opaque pixels vote, since stats() would count the colour hidden under transparent ones (often
 * black). Undefined if no pixel is opaque.
 */
export function dominantHex(pixels: Uint8Array, channels: 3 | 4): string | undefined {
  const counts = new Uint32Array(LEVELS ** 3);
  let best = -1;
  let bestCount = 0;
  for (let i = 0; i < pixels.length; i += channels) {
    if (channels === 4 && pixels[i + 3] < OPAQUE) continue;
    const bin = ((pixels[i] >> 4) * LEVELS + (pixels[i + 1] >> 4)) * LEVELS + (pixels[i + 2] >> 4);
    if (++counts[bin] > bestCount) [best, bestCount] = [bin, counts[bin]];
  }
  if (best < 0) return undefined;
  const centre = (level: number) => (level * BIN + BIN / 2).toString(16).padStart(2, '0');
  return `#${centre(Math.floor(best / LEVELS ** 2))}${centre(Math.floor(best / LEVELS) % LEVELS)}${centre(best % LEVELS)}`;
}
