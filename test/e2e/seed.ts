// Photos for the browser tests of the grid and the viewer: many small images of the usual camera shapes, each in
// its own colour, uploaded in one request through the JSON API with the page's cookies.
import type { Page } from 'playwright-core';
import sharp from 'sharp';

/** Landscape 4:3 and 3:2 most often, as phones and cameras take them, then 16:9, square and portraits. */
export const ASPECTS = [4 / 3, 3 / 2, 4 / 3, 16 / 9, 1, 3 / 4, 4 / 3, 2 / 3, 3 / 2, 4 / 3];

export function seedPng(i: number, aspect = ASPECTS[i % ASPECTS.length]): Promise<Buffer> {
  const height = 90;
  const width = Math.round(height * aspect);
  const hue = (i * 37) % 360;
  // A gradient and a sun: a loaded thumbnail is told from its flat colour placeholder at a glance.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g" x2="1" y2="1">`
    + `<stop offset="0" stop-color="hsl(${hue},60%,45%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},60%,30%)"/></linearGradient></defs>`
    + `<rect width="100%" height="100%" fill="url(#g)"/><circle cx="${width * 0.7}" cy="${height * 0.35}" r="${height * 0.18}" fill="#fff8"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Uploads `count` images as the page's user; resolves with their ids in upload order. */
export async function seedImages(page: Page, count: number, opts: { visibility?: 'public' | 'private'; prefix?: string } = {}): Promise<string[]> {
  const token = await page.locator('meta[name="csrf-token"]').getAttribute('content');
  const ids: string[] = [];
  for (let start = 0; start < count; start += 50) {
    const multipart = new FormData();
    multipart.append('visibility', opts.visibility ?? 'public');
    multipart.append('duplicates', 'keep'); // a second seeding (private ones, say) makes the same pictures again
    for (let i = start; i < Math.min(count, start + 50); i++) {
      const png = await seedPng(i);
      multipart.append('images', new Blob([new Uint8Array(png)], { type: 'image/png' }), `${opts.prefix ?? 'photo'}-${String(i).padStart(3, '0')}.png`);
    }
    const res = await page.request.post('/images', { headers: { Accept: 'application/json', 'X-CSRF-Token': token! }, multipart });
    if (!res.ok()) throw new Error(`seeding answered ${res.status()}: ${await res.text()}`);
    const { results } = (await res.json()) as { results: { ok: boolean; image?: { id: string } }[] };
    ids.push(...results.map((r) => r.image!.id));
  }
  return ids;
}

export type Shown = { id: string; name: string };

/** Every image the page's user sees, in the gallery's order (newest first), through the JSON API's pages. */
export async function galleryOrder(page: Page): Promise<Shown[]> {
  const shown: Shown[] = [];
  for (let url: string | undefined = '/'; url; ) {
    const res = await page.request.get(url, { headers: { Accept: 'application/json' } });
    const body = (await res.json()) as { images: { id: string; originalName: string }[]; older?: string };
    shown.push(...body.images.map((image) => ({ id: image.id, name: image.originalName })));
    url = body.older;
  }
  return shown;
}
