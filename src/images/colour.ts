// Names a colour the way a person searching would: the nearest palette entry by CIEDE2000 in CIELAB.
// RGB distance is not used because equal RGB steps are very unequal to the eye (dark blues vs dark greys,
// yellows vs oranges); CIEDE2000 is the CIE's current perceptual difference formula.

export type Lab = readonly [L: number, a: number, b: number];

/**
 * Reference colours. A name may appear several times (dark, mid and light variants) so that each name
 * covers its whole region of colour space; every name is one plain word a user would type.
 */
export const PALETTE: ReadonlyArray<{ name: string; hex: string }> = Object.freeze([
  { name: 'black', hex: '#000000' },
  { name: 'white', hex: '#ffffff' },
  { name: 'gray', hex: '#404040' },
  { name: 'gray', hex: '#808080' },
  { name: 'gray', hex: '#c0c0c0' },
  { name: 'red', hex: '#ff0000' },
  { name: 'red', hex: '#b22222' },
  { name: 'red', hex: '#8b0000' },
  { name: 'red', hex: '#dc143c' },
  { name: 'orange', hex: '#ffa500' },
  { name: 'orange', hex: '#ff7f00' },
  { name: 'yellow', hex: '#ffff00' },
  { name: 'yellow', hex: '#ffd700' },
  { name: 'green', hex: '#00ff00' },
  { name: 'green', hex: '#008000' },
  { name: 'green', hex: '#228b22' },
  { name: 'green', hex: '#006400' },
  { name: 'green', hex: '#90ee90' },
  { name: 'green', hex: '#6b8e23' },
  { name: 'teal', hex: '#008080' },
  { name: 'teal', hex: '#40e0d0' },
  { name: 'blue', hex: '#0000ff' },
  { name: 'blue', hex: '#000080' },
  { name: 'blue', hex: '#4169e1' },
  { name: 'blue', hex: '#87ceeb' },
  { name: 'blue', hex: '#add8e6' },
  { name: 'purple', hex: '#800080' },
  { name: 'purple', hex: '#9370db' },
  { name: 'purple', hex: '#4b0082' },
  { name: 'purple', hex: '#8a2be2' },
  { name: 'purple', hex: '#7f00ff' },
  { name: 'purple', hex: '#b19cd9' },
  { name: 'pink', hex: '#ffc0cb' },
  { name: 'pink', hex: '#ff69b4' },
  { name: 'pink', hex: '#ff00ff' },
  { name: 'pink', hex: '#db7093' },
  { name: 'brown', hex: '#8b4513' },
  { name: 'brown', hex: '#964b00' },
  { name: 'brown', hex: '#d2691e' },
  { name: 'brown', hex: '#5c4033' },
  // Muted browns (cafe au lait, coffee): fur, wood and earth photos are mostly these, not saturated sienna.
  { name: 'brown', hex: '#a67b5b' },
  { name: 'brown', hex: '#6f4e37' },
  { name: 'beige', hex: '#f5f5dc' },
  { name: 'beige', hex: '#d2b48c' },
  { name: 'beige', hex: '#f5deb3' },
]);

const HEX = /^#([0-9a-f]{6})$/i;

export function hexToLab(hex: string): Lab {
  const match = HEX.exec(hex);
  if (!match) throw new TypeError(`not a #rrggbb colour: ${hex}`);
  const n = Number.parseInt(match[1]!, 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(toLinear) as [number, number, number];
  // sRGB (D65) -> XYZ, normalised by the D65 white point.
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
  const [fx, fy, fz] = [labF(x), labF(y), labF(z)];
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

function toLinear(channel: number): number {
  const c = channel / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function labF(t: number): number {
  const delta = 6 / 29;
  return t > delta ** 3 ? Math.cbrt(t) : t / (3 * delta * delta) + 4 / 29;
}

const DEG = Math.PI / 180;
const POW25_7 = 25 ** 7;

/** CIEDE2000 colour difference (kL = kC = kH = 1), after Sharma, Wu and Dalal (2005). */
export function ciede2000([L1, a1, b1]: Lab, [L2, a2, b2]: Lab): number {
  const cMean7 = ((Math.hypot(a1, b1) + Math.hypot(a2, b2)) / 2) ** 7;
  const g = 0.5 * (1 - Math.sqrt(cMean7 / (cMean7 + POW25_7)));
  const [c1, h1] = chromaHue(a1 * (1 + g), b1);
  const [c2, h2] = chromaHue(a2 * (1 + g), b2);

  const dL = L2 - L1;
  const dC = c2 - c1;
  let dh = c1 * c2 === 0 ? 0 : h2 - h1;
  if (dh > 180) dh -= 360;
  else if (dh < -180) dh += 360;
  const dH = 2 * Math.sqrt(c1 * c2) * Math.sin((dh / 2) * DEG);

  const lMean = (L1 + L2) / 2;
  const cMean = (c1 + c2) / 2;
  const hMean = meanHue(h1, h2, c1 * c2 === 0);
  const t =
    1 -
    0.17 * Math.cos((hMean - 30) * DEG) +
    0.24 * Math.cos(2 * hMean * DEG) +
    0.32 * Math.cos((3 * hMean + 6) * DEG) -
    0.2 * Math.cos((4 * hMean - 63) * DEG);
  const l50 = (lMean - 50) ** 2;
  const sL = 1 + (0.015 * l50) / Math.sqrt(20 + l50);
  const sC = 1 + 0.045 * cMean;
  const sH = 1 + 0.015 * cMean * t;
  const rotation = 30 * Math.exp(-(((hMean - 275) / 25) ** 2));
  const rC = 2 * Math.sqrt(cMean ** 7 / (cMean ** 7 + POW25_7));
  const rT = -Math.sin(2 * rotation * DEG) * rC;

  const [l, c, h] = [dL / sL, dC / sC, dH / sH];
  return Math.sqrt(l * l + c * c + h * h + rT * c * h);
}

function chromaHue(a: number, b: number): [chroma: number, hueDegrees: number] {
  const chroma = Math.hypot(a, b);
  if (chroma === 0) return [0, 0];
  const hue = Math.atan2(b, a) / DEG;
  return [chroma, hue < 0 ? hue + 360 : hue];
}

function meanHue(h1: number, h2: number, achromatic: boolean): number {
  if (achromatic) return h1 + h2;
  if (Math.abs(h1 - h2) <= 180) return (h1 + h2) / 2;
  return h1 + h2 < 360 ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2;
}

const PALETTE_LAB = PALETTE.map((entry) => ({ name: entry.name, lab: hexToLab(entry.hex) }));

/** '#rrggbb' -> the palette name nearest by CIEDE2000. Throws a TypeError on anything else. */
export function nameColour(hex: string): string {
  const lab = hexToLab(hex);
  let best = PALETTE_LAB[0]!;
  let bestDistance = Infinity;
  for (const entry of PALETTE_LAB) {
    const distance = ciede2000(lab, entry.lab);
    if (distance < bestDistance) [best, bestDistance] = [entry, distance];
  }
  return best.name;
}
