// The gallery's weight: a page of 96 thumbnails (two pages' worth, as the grid holds once the viewer has loaded
// the next page) stays under 100 KB of HTML, with every card the viewer's own (owner buttons) and camera-like names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedInAgent, type TestApp } from '../helpers/app.js';
import { scopeLinks } from '../../src/images/scope.js';
import { createImagesRepo, type ImageRecord } from '../../src/images/images-repo.js';
import { PAGE_SIZE } from '../../src/images/pagination.js';

let t: TestApp;
let images: ImageRecord[];
let agent: Awaited<ReturnType<typeof signedInAgent>>;

const LABELS = [
  [{ name: 'golden retriever', probability: 0.81 }, { name: 'Labrador retriever', probability: 0.12 }, { name: 'tennis ball', probability: 0.03 }],
  [{ name: 'tabby, tabby cat', probability: 0.7 }, { name: 'Egyptian cat', probability: 0.2 }, { name: 'tiger cat', probability: 0.05 }],
  [{ name: 'seashore, coast, seacoast, sea-coast', probability: 0.64 }, { name: 'sandbar, sand bar', probability: 0.2 }, { name: 'promontory, headland, head, foreland', probability: 0.06 }],
];

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t, 'rishi');
  const repo = createImagesRepo(t.db);
  const owner = { id: 1, username: 'rishi' };
  for (let i = 0; i < 96; i++) {
    const [width, height] = [[4032, 3024], [3024, 4032], [1920, 1080], [3000, 3000]][i % 4];
    await repo.insert({
      id: crypto.randomUUID(), visibility: i % 3 ? 'public' : 'private', originalName: `IMG_20260131_${String(143015 + i * 7)}.jpg`,
      format: 'jpeg', bytes: 3_456_789, width, height, colourName: 'brown', colourHex: '#8a5a3c', createdAt: Date.UTC(2026, 0, 31) + i * 60_000,
    }, owner, LABELS[i % LABELS.length]);
  }
  images = (await agent.get('/').set('Accept', 'application/json')).body.images;
}, 30_000);

afterAll(() => t?.close());

function render(view: string, locals: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => t.app.render(view, locals, (err, html) => (err ? reject(err) : resolve(html))));
}

describe('page weight', () => {
  it('when the gallery shows a page of 48, then its HTML is well under 100 KB', async () => {
    const res = await agent.get('/');
    expect(res.status).toBe(200);
    expect(images).toHaveLength(PAGE_SIZE);
    const bytes = Buffer.byteLength(res.text);
    console.log(`GET / with ${PAGE_SIZE} thumbnails: ${(bytes / 1024).toFixed(1)} KB`);
    expect(bytes).toBeLessThan(50 * 1024);
  });

  it('when the gallery template renders 96 thumbnails, then the HTML is under 100 KB', async () => {
    const repo = createImagesRepo(t.db);
    const records = (await repo.listVisible({ viewer: 1 }, { offset: 0 }, 96)).images;
    expect(records).toHaveLength(96);
    const html = await render('images/gallery', {
      title: 'All images', images: records, csrfToken: 'x'.repeat(100), user: { id: 1, username: 'rishi' }, flash: undefined,
      query: '', currentUrl: '/', pagination: { page: 1, pages: 2, total: 192, totalExact: true, older: `/?page=2&before=${'x'.repeat(60)}` },
      order: 'uploaded', orders: { uploaded: '/', taken: '/?sort=taken' }, list: { show: 'all' }, lists: scopeLinks({}),
    });
    expect(html.match(/<li class="card /g)).toHaveLength(96);
    expect(html.match(/class="card-actions"/g)).toHaveLength(96);
    const bytes = Buffer.byteLength(html);
    console.log(`the gallery with 96 thumbnails: ${(bytes / 1024).toFixed(1)} KB`);
    expect(bytes).toBeLessThan(100 * 1024);
  });
});
