// The same photo again, not byte for byte (resized, recompressed, lightly cropped): stored, but flagged with a
// link to its twin, and listed under "Similar images" on both.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { CompiledQuery, type KyselyPlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, signedInAgent, upload, type TestApp, reclassifyDeps } from '../helpers/app.js';
import { photosDir, solidPng } from '../helpers/fixtures.js';
import { fillHashes } from '../../src/images/reclassify.js';
import { nearCandidatesQuery } from '../../src/images/near-copies.js';

type Agent = ReturnType<TestApp['agent']>;
type Result = { filename: string; ok: boolean; similarTo?: string; image: { id: string } };

const photo = (name: string) => readFileSync(path.join(photosDir, name));
const cat = photo('skimage_chelsea.png');
const resized = () => sharp(cat).resize(225).jpeg({ quality: 60 }).toBuffer();
const cropped = async () => {
  const { width, height } = await sharp(cat).metadata();
  const [dx, dy] = [Math.round(width * 0.03), Math.round(height * 0.03)];
  return sharp(cat).extract({ left: dx, top: dy, width: width - 2 * dx, height: height - 2 * dy }).webp().toBuffer();
};

const stored = async (agent: Agent, name: string, data: Buffer, visibility = 'public') => {
  const res = await upload(agent, [{ name, data }], visibility);
  expect(res.status).toBe(200);
  return res.body.results[0] as Result;
};
const remove = async (agent: Agent, id: string) =>
  agent.post(`/images/${id}/delete`).set('X-CSRF-Token', await csrfFrom(agent, '/upload')).set('Accept', 'application/json').expect(200);
const similarOf = async (agent: Agent, id: string) =>
  ((await agent.get(`/images/${id}`).set('Accept', 'application/json').expect(200)).body.similar as { id: string; distance: number }[]);

describe('near-duplicates', () => {
  it('when a resized and recompressed copy of a photo is uploaded, then it is stored but flagged with a link to the photo, and each lists the other as similar', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'kim');
    const original = await stored(agent, 'chelsea.png', cat);
    expect(original.similarTo).toBeUndefined();
    const copy = await stored(agent, 'chelsea-small.jpg', await resized());
    expect(copy.ok).toBe(true);
    expect(copy.similarTo).toBe(original.image.id);

    const [twin] = await similarOf(agent, copy.image.id);
    expect(twin.id).toBe(original.image.id);
    expect(twin.distance).toBeLessThanOrEqual(10);
    expect((await similarOf(agent, original.image.id)).map((s) => s.id)).toEqual([copy.image.id]);
    // The image page (which the viewer borrows) shows it under "Similar images", linked.
    const page = (await agent.get(`/images/${copy.image.id}`).expect(200)).text;
    expect(page).toContain('<h2>Similar images</h2>');
    expect(page).toContain(`<a href="/images/${original.image.id}" title="chelsea.png (the same photo)"><img src="/images/${original.image.id}/thumb" alt="chelsea.png" loading="lazy"><span class="copy-badge">Copy</span>`);
    await t.close();
  });

  it('when a lightly cropped copy is uploaded, then it is flagged too; different photos are not', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'kim');
    const original = await stored(agent, 'chelsea.png', cat);
    const others = await upload(agent, ['skimage_coffee.png', 'coral_parrot.png', 'skimage_rocket.jpg', 'coral_sunflower.png'].map((name) => ({ name, data: photo(name) })));
    expect((others.body.results as Result[]).map((r) => r.similarTo)).toEqual([undefined, undefined, undefined, undefined]);
    expect((await stored(agent, 'chelsea-cropped.webp', await cropped())).similarTo).toBe(original.image.id);
    expect(await similarOf(agent, (others.body.results as Result[])[0].image.id)).toEqual([]);
    await t.close();
  });

  it('when flat images (one colour each) are uploaded, then none is flagged, and reclassify does not take them as unread', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'kim');
    const flat = await Promise.all(['#ffffff', '#000000', '#3366cc'].map(async (hex) => ({ name: `${hex}.png`, data: await solidPng(hex, 120, 80) })));
    const res = await upload(agent, flat);
    expect((res.body.results as Result[]).map((r) => [r.ok, r.similarTo])).toEqual([[true, undefined], [true, undefined], [true, undefined]]);
    expect(await similarOf(agent, (res.body.results as Result[])[0].image.id)).toEqual([]);
    const deps = reclassifyDeps(t);
    expect(await fillHashes(deps)).toEqual({ read: 0, failed: 0 });
    await t.close();
  });

  it('when the upload is a plain form, then the message names the file that looks like one already there', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'kim');
    await stored(agent, 'chelsea.png', cat);
    const res = await agent.post('/images').field('_csrf', await csrfFrom(agent, '/upload')).field('visibility', 'public').field('duplicates', 'keep')
      .attach('images', await resized(), 'chelsea <small>.jpg').attach('images', photo('skimage_coffee.png'), 'coffee.png').expect(303);
    const gallery = (await agent.get(res.headers.location).expect(200)).text;
    expect(gallery).toContain('Uploaded 2 images. It looks like a photo you already have: chelsea &lt;small&gt;.jpg.');
    await t.close();
  });

  it('when another user looks, then only the public look-alikes are listed, and their own uploads are never flagged by someone else\'s photos', async () => {
    const t = await createTestApp();
    const kim = await signedInAgent(t, 'kim');
    const lee = await signedInAgent(t, 'lee');
    const shown = await stored(kim, 'chelsea.png', cat);
    const hidden = await stored(kim, 'chelsea-private.jpg', await resized(), 'private');
    const third = await stored(kim, 'chelsea-cropped.webp', await cropped());
    expect((await similarOf(kim, shown.image.id)).map((s) => s.id).sort()).toEqual([hidden.image.id, third.image.id].sort());
    expect((await similarOf(lee, shown.image.id)).map((s) => s.id)).toEqual([third.image.id]);
    await lee.get(`/images/${hidden.image.id}`).set('Accept', 'application/json').expect(404);
    expect((await lee.get(`/images/${shown.image.id}`).expect(200)).text).not.toContain(hidden.image.id);
    expect((await stored(lee, 'my-chelsea.png', cat)).similarTo).toBeUndefined();
    // Made private later, an image leaves the others' lists at once.
    await kim.post(`/images/${third.image.id}/visibility`).set('X-CSRF-Token', await csrfFrom(kim, '/upload')).set('Accept', 'application/json').send({ visibility: 'private' }).expect(200);
    expect(await similarOf(lee, shown.image.id)).toEqual([]);
    await t.close();
  });

  it('when the twin is deleted, then it is no longer listed', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'kim');
    const original = await stored(agent, 'chelsea.png', cat);
    const copy = await stored(agent, 'chelsea-small.jpg', await resized());
    await remove(agent, original.image.id);
    expect(await similarOf(agent, copy.image.id)).toEqual([]);
    await t.close();
  });

  it('when images were stored before hashes were taken, then reclassify reads them, and a copy of one is flagged from then on', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'kim');
    const original = await stored(agent, 'chelsea.png', cat);
    await stored(agent, 'coffee.png', photo('skimage_coffee.png'));
    const bands = () => t.rows`SELECT original_name, phash_0, phash_1, phash_2, phash_3 FROM images ORDER BY original_name`;
    const atUpload = await bands();
    // As migration 015 leaves an image stored before it.
    await t.rows`UPDATE images SET phash_0 = NULL, phash_1 = NULL, phash_2 = NULL, phash_3 = NULL`;
    await remove(agent, (await stored(agent, 'chelsea-small.jpg', await resized())).image.id);
    const deps = reclassifyDeps(t);
    const steps: string[] = [];
    expect(await fillHashes(deps, (done, total) => steps.push(`${done}/${total}`))).toEqual({ read: 2, failed: 0 });
    expect(steps).toEqual(['1/2', '2/2']);
    expect(await bands()).toEqual(atUpload);
    expect(await fillHashes(deps)).toEqual({ read: 0, failed: 0 });
    expect((await stored(agent, 'chelsea-small.jpg', await resized())).similarTo).toBe(original.image.id);
    await t.close();
  });

  it('when the database fails the look-up, then the upload is still stored and reported, and the image page shows without copies', async () => {
    // Only the look-up is a UNION of ranges of images (one per band): that query alone fails. (The look-alikes'
    // UNION reads subqueries.)
    const failing: KyselyPlugin = {
      transformQuery: ({ node }) => {
        if (node.kind === 'SelectQueryNode' && node.setOperations?.length && node.from?.froms[0]?.kind === 'TableNode') throw new Error('connection lost');
        return node;
      },
      transformResult: async ({ result }) => result,
    };
    const t = await createTestApp({ wrapDb: (db) => ({ ...db, query: db.query.withPlugin(failing) }) });
    const agent = await signedInAgent(t, 'kim');
    await stored(agent, 'chelsea.png', cat);
    const copy = await stored(agent, 'chelsea-small.jpg', await resized());
    expect(copy.ok).toBe(true);
    expect(copy.similarTo).toBeUndefined();
    expect(await t.count('images')).toBe(2);
    await agent.get(`/images/${copy.image.id}/file`).expect(200);
    const page = await agent.get(`/images/${copy.image.id}`).expect(200);
    // The photo is still listed as one the model sees alike (that look-up works), but not as a copy.
    expect(page.text).toContain('Similar images');
    expect(page.text).not.toContain('copy-badge');
    expect(t.logLines.some((line) => line.includes('could not look for similar images'))).toBe(true);
    await t.close();
  });

  it('when the look-up is planned, then it reads a range of each band\'s index, not the owner\'s images', async () => {
    const t = await createTestApp();
    const { sql, parameters } = nearCandidatesQuery(t.db, 1, [1, 2, 3, 4], { publicOnly: true, except: 9 }).compile();
    let plan: string;
    if (t.db.sqlite) {
      plan = (t.db.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[]).map((p) => p.detail).join('\n');
      for (const k of [0, 1, 2, 3]) expect(plan).toContain(`USING INDEX images_owner_phash_${k} (owner_id=? AND phash_${k}=?)`);
      expect(plan).not.toMatch(/SCAN images|images_owner_visibility|\(owner_id=\?\)/);
    } else {
      // PostgreSQL plans by its statistics, and a small table is cheapest scanned: 50,000 images of one owner first.
      await signedInAgent(t, 'kim');
      await t.rows`INSERT INTO images (id, owner_id, visibility, original_name, format, bytes, width, height, colour_hex, colour_name, classified, created_at, shot_at, phash_0, phash_1, phash_2, phash_3)
        SELECT gen_random_uuid()::text, 1, 'public', 'p.jpg', 'jpeg', 1, 1, 1, '#808080', 'gray', 0, n, n,
          floor(random() * 65536)::int, floor(random() * 65536)::int, floor(random() * 65536)::int, floor(random() * 65536)::int
        FROM generate_series(1, 50000) AS n`;
      await t.rows`ANALYZE images`;
      const rows = await t.db.query.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN ${sql}`, [...parameters]));
      plan = rows.rows.map((r) => r['QUERY PLAN']).join('\n');
      for (const k of [0, 1, 2, 3]) expect(plan).toMatch(new RegExp(`images_owner_phash_${k} .*\\n\\s*Index Cond: \\(\\(owner_id = [^)]+\\) AND \\(phash_${k} = ANY`));
      expect(plan).not.toMatch(/Seq Scan|images_owner_visibility/);
    }
    await t.close();
  });
});
