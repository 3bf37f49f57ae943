// Audit finding 7: decoding work is bounded per file by the canvas its data can fill, and per server by one
// decode budget that files queue for, with a bounded queue that answers "busy" instead of piling up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type request from 'supertest';
import { createTestApp, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { expectedPhotos, solidPng } from '../helpers/fixtures.js';
import { gifBomb, pngWithRows } from '../helpers/bombs.js';
import { createDecodeBudget } from '../../src/images/decode-budget.js';

type Result = { filename: string; ok: boolean; reason?: string; error?: string; image?: { width: number; height: number } };

async function expectNothingKept(t: TestApp, before: number) {
  expect(await t.count('images')).toBe(before);
  expect(await t.storedFiles()).toHaveLength(2 * before);
  for (let i = 0; i < 100 && t.incomingFiles().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(t.incomingFiles()).toEqual([]);
}

describe('a canvas far larger than its data can fill', () => {
  let t: TestApp;
  let agent: request.Agent;
  beforeAll(async () => {
    t = await createTestApp();
    agent = await signedInAgent(t, 'bomber');
  });
  afterAll(() => t.close());

  it.each([
    ['a GIF frame of 10000 x 10000 in 35 bytes', gifBomb({ width: 10000, height: 10000 }), 10000, 10000],
    ['a GIF screen of 10000 x 10000 around a 1 x 1 frame in its far corner', gifBomb({ width: 10000, height: 10000 }, { left: 9999, top: 9999, width: 1, height: 1 }), 10000, 10000],
    ['a 6000 x 6000 RGB PNG with one row of data', pngWithRows(6000, 6000, 1), 6000, 6000],
    ['a 10000 x 10000 one-bit PNG with one row of data', pngWithRows(10000, 10000, 1, 1), 10000, 10000],
  ])('when it is %s, then it is refused as such before any decoding and nothing is kept', async (_what, data, width, height) => {
    const before = await t.count('images');
    const res = await upload(agent, [{ name: 'bomb.img', data }]);
    expect(res.status).toBe(400);
    expect(res.body.results).toEqual([{
      filename: 'bomb.img', ok: false, reason: 'canvas-beyond-data',
      error: `not a valid image: ${width} x ${height} pixels cannot come from ${data.length} bytes`,
    }]);
    await expectNothingKept(t, before);
  });

  it('when a GIF has the data for more than 25 megapixels, then it is refused naming the GIF limit', async () => {
    // A flat 6000 x 5000 GIF is about 20 KB of real LZW data: plausible, but a GIF is decoded whole (5 bytes a pixel).
    const data = await sharp({ create: { width: 6000, height: 5000, channels: 3, background: '#ffffff' } }).gif().toBuffer();
    const before = await t.count('images');
    const res = await upload(agent, [{ name: 'wide.gif', data }]);
    expect(res.status).toBe(400);
    expect(res.body.results).toEqual([{
      filename: 'wide.gif', ok: false, reason: 'too-many-pixels', error: 'image too big: 6000 x 5000 pixels (a GIF may have 25 megapixels)',
    }]);
    await expectNothingKept(t, before);
  });

  // A 100-megapixel PNG is made and decoded whole here: on a loaded 2-core machine that alone can take 30 s.
  it('when images are small, tiny or legitimately flat, then every one is accepted', { timeout: 120_000 }, async () => {
    const photo = expectedPhotos()[0];
    const files = [
      { name: 'pixel.gif', data: await sharp({ create: { width: 1, height: 1, channels: 3, background: '#ff0000' } }).gif().toBuffer() },
      { name: 'pixel.png', data: await solidPng('#00ff00', 1, 1) },
      // Two colours at the deflate limit: about 8,150 pixels per byte, near the 8,256 that deflate allows.
      { name: 'flat-1bit.png', data: await sharp({ create: { width: 10000, height: 10000, channels: 3, background: '#ffffff' } }).png({ palette: true, colours: 2, compressionLevel: 9 }).toBuffer() },
      { name: 'flat.gif', data: await sharp({ create: { width: 4000, height: 4000, channels: 3, background: '#3366cc' } }).gif().toBuffer() },
      { name: 'photo.jpg', data: readFileSync(photo.file) },
      { name: 'photo.gif', data: await sharp(photo.file).resize(640).gif().toBuffer() },
      { name: 'photo.png', data: await sharp(photo.file).resize(640).png().toBuffer() },
    ];
    const res = await upload(agent, files);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: Result) => [r.filename, r.ok, r.error])).toEqual(files.map((f) => [f.name, true, undefined]));
  });
});

describe('one decode budget for the whole server', () => {
  const CAPACITY = 64 * 2 ** 20;

  it('when the budget is taken, then a file waits its turn and is stored once the budget is free', async () => {
    const budget = createDecodeBudget({ bytes: CAPACITY, maxWaiting: 4 });
    const t = await createTestApp({ decodeBudget: budget });
    try {
      const agent = await signedInAgent(t, 'patient');
      let free!: () => void;
      const held = budget.run(CAPACITY, () => new Promise<void>((resolve) => (free = resolve)));
      let answered = false;
      const res = upload(agent, [{ name: 'wait.png', data: await solidPng('#884422', 300, 200) }]).then((r) => ((answered = true), r));
      for (let i = 0; i < 500 && budget.waiting() === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(budget.waiting()).toBe(1);
      expect(answered).toBe(false);
      free();
      await held;
      const done = await res;
      expect(done.status).toBe(200);
      expect(done.body.results[0]).toMatchObject({ filename: 'wait.png', ok: true });
      expect(await t.count('images')).toBe(1);
      expect(budget.inUse()).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('when the budget is taken and its queue is full, then the upload is answered 503 with a per-file "server-busy" reason and nothing is kept', async () => {
    const budget = createDecodeBudget({ bytes: CAPACITY, maxWaiting: 1 });
    const t = await createTestApp({ decodeBudget: budget });
    try {
      const agent = await signedInAgent(t, 'unlucky');
      let free!: () => void;
      const held = budget.run(CAPACITY, () => new Promise<void>((resolve) => (free = resolve)));
      const queued = budget.run(1, async () => undefined);
      expect(budget.waiting()).toBe(1);
      const png = await solidPng('#224488', 300, 200);
      const res = await upload(agent, [{ name: 'a.png', data: png }, { name: 'b.png', data: png }]);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('10');
      const busy = { ok: false, reason: 'server-busy', error: 'the server is busy with other images: try this one again in a minute' };
      expect(res.body.results).toEqual([{ filename: 'a.png', ...busy }, { filename: 'b.png', ...busy }]);
      await expectNothingKept(t, 0);
      free();
      await Promise.all([held, queued]);
      expect(budget.inUse()).toBe(0);
    } finally {
      await t.close();
    }
  });
});
