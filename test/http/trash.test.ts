// Delete moves images to their owner's trash: gone for everyone at once, restorable with Undo or from the
// trash page, deleted for good by the owner or by the purge after 30 days (one server at a time, files after rows).
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, login, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { solidPng } from '../helpers/fixtures.js';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { createImagesRepo } from '../../src/images/images-repo.js';
import { createLogger } from '../../src/log.js';
import { purgeTrash } from '../../src/trash/purge.js';
import { runAlone } from '../../src/db/run-alone.js';
import { createTrashRepo, TRASH_MS } from '../../src/trash/trash-repo.js';

type Agent = ReturnType<TestApp['agent']>;

/** About 0.6 MB of PNG that does not compress: two of them pass a 1 MB quota. */
const noisePng = () => sharp(randomBytes(450 * 450 * 3), { raw: { width: 450, height: 450, channels: 3 } }).png().toBuffer();
const DAY = 24 * 60 * 60 * 1000;

let t: TestApp;
afterEach(() => t?.close());

const asJson = async (agent: Agent, url: string, body: object = {}) => {
  const token = await csrfFrom(agent, '/upload'); // first: the request takes the agent's cookies when it is made
  return agent.post(url).set('X-CSRF-Token', token).set('Accept', 'application/json').send(body);
};
const getJson = (agent: Agent, url: string) => agent.get(url).set('Accept', 'application/json');

async function uploaded(agent: Agent, names: string[], visibility = 'public'): Promise<string[]> {
  const files = await Promise.all(names.map(async (name, i) => ({ name, data: await solidPng(`#${(0x203040 + i * 0x151515).toString(16)}`, 40 + i, 30) })));
  const res = await upload(agent, files, visibility);
  expect(res.status).toBe(200);
  return res.body.results.map((r: { image: { id: string } }) => r.image.id);
}

/** What a user can reach of an image: its page, its three file URLs, and whether the gallery and search list it. */
async function reach(agent: Agent, id: string) {
  const statuses = await Promise.all([`/images/${id}`, `/images/${id}/file`, `/images/${id}/thumb`, `/images/${id}/download`].map(async (url) => (await agent.get(url)).status));
  const gallery = (await getJson(agent, '/')).body as { images: { id: string }[]; total: number };
  const search = (await getJson(agent, `/search?q=${id}`)).body as { images: { id: string }[] };
  return { statuses, listed: gallery.images.some((image) => image.id === id), total: gallery.total, found: search.images.some((image) => image.id === id) };
}

describe('the trash', () => {
  it('when an image is deleted, then it is gone for everyone (page, files, gallery, count, search: the 404 of an unknown id) but its files are kept, and it is in its owner\'s trash', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const other = await signedInAgent(t, 'ilse');
    const [id, kept] = await uploaded(owner, ['harbour.png', 'kept.png']);
    const filesBefore = await t.storedFiles();

    const res = await asJson(owner, `/images/${id}/delete`);
    expect(res.status).toBe(200);
    expect(res.body.trashed).toEqual([id]);
    expect(Date.parse(res.body.restoreUntil)).toBe(t.clock.now() + TRASH_MS);

    const unknown = crypto.randomUUID();
    for (const agent of [owner, other]) {
      const seen = await reach(agent, id);
      expect(seen.statuses).toEqual([404, 404, 404, 404]);
      expect(seen).toMatchObject({ listed: false, total: 1, found: false });
      // Word for word the answer of an id that never was.
      const page = await getJson(agent, `/images/${id}`);
      expect(page.body).toEqual((await getJson(agent, `/images/${unknown}`)).body);
    }
    expect((await reach(owner, kept)).statuses).toEqual([200, 200, 200, 200]);
    expect(await t.storedFiles()).toEqual(filesBefore);

    const trash = await getJson(owner, '/trash').expect(200);
    expect(trash.body).toMatchObject({ total: 1, keptDays: 30 });
    expect(trash.body.images).toEqual([expect.objectContaining({ id, originalName: 'harbour.png', thumbUrl: `/trash/${id}/thumb` })]);
    expect(Date.parse(trash.body.images[0].purgeAt) - Date.parse(trash.body.images[0].trashedAt)).toBe(30 * DAY);
    const thumb = await owner.get(`/trash/${id}/thumb`).expect(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    // Another's trash is their own: not listed, not served.
    expect((await getJson(other, '/trash')).body).toMatchObject({ images: [], total: 0 });
    expect((await other.get(`/trash/${id}/thumb`)).status).toBe(404);
    const html = await owner.get('/trash').expect(200);
    expect(html.text).toContain('harbour.png');
    expect(html.text).toContain('Deleted for good on <time datetime="2026-01-31');
  });

  it('when Undo restores a trashed image, then it is back with the same id, in its place, found by search again, with its labels', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const ids = await uploaded(owner, ['a.png', 'b.png', 'c.png']);
    const before = (await getJson(owner, '/')).body.images.map((image: { id: string }) => image.id);
    const labels = (await getJson(owner, `/images/${ids[1]}`)).body.image.labels;

    expect((await asJson(owner, `/images/${ids[1]}/delete`)).status).toBe(200);
    expect((await getJson(owner, '/')).body.total).toBe(2);
    const res = await asJson(owner, '/trash/restore', { ids: [ids[1]] });
    expect(res.status).toBe(200);
    expect(res.body.restored).toEqual([ids[1]]);

    expect((await getJson(owner, '/')).body.images.map((image: { id: string }) => image.id)).toEqual(before);
    expect((await reach(owner, ids[1])).statuses).toEqual([200, 200, 200, 200]);
    expect((await getJson(owner, `/search?q=${labels[0].name}`)).body.images.map((image: { id: string }) => image.id)).toContain(ids[1]);
    expect((await getJson(owner, `/images/${ids[1]}`)).body.image.labels).toEqual(labels);
    expect((await getJson(owner, '/trash')).body.total).toBe(0);
    // Restoring again: nothing of the caller's in the trash by that id.
    expect((await asJson(owner, '/trash/restore', { ids: [ids[1]] })).status).toBe(404);
  });

  it('when a private image is trashed and restored, then it is private again: the other user never sees it', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const other = await signedInAgent(t, 'ilse');
    const [id] = await uploaded(owner, ['secret.png'], 'private');
    await asJson(owner, `/images/${id}/delete`);
    // Someone else's restore finds nothing to restore, and changes nothing.
    const refused = await asJson(other, '/trash/restore', { ids: [id] });
    expect(refused.status, JSON.stringify(refused.body)).toBe(404);
    expect((await asJson(other, '/trash/delete', { ids: [id] })).status).toBe(404);
    expect((await getJson(owner, '/trash')).body.total).toBe(1);
    await asJson(owner, '/trash/restore', { ids: [id] });
    expect((await getJson(owner, `/images/${id}`)).body.image.visibility).toBe('private');
    expect((await reach(other, id)).statuses).toEqual([404, 404, 404, 404]);
    expect((await getJson(other, `/search?q=noor`)).body.images).toEqual([]);
  });

  it('when a selection is moved to the trash and undone, then all of it comes back in one request, and others\' images stay', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const other = await signedInAgent(t, 'ilse');
    const mine = await uploaded(owner, ['1.png', '2.png', '3.png']);
    const [theirs] = await uploaded(other, ['theirs.png']);
    const res = await asJson(owner, '/selection/delete', { ids: [...mine, theirs] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ others: 1, unseen: 0 });
    expect([...res.body.trashed].sort()).toEqual([...mine].sort());
    expect((await getJson(owner, '/')).body.images.map((image: { id: string }) => image.id)).toEqual([theirs]);
    const restored = await asJson(owner, '/trash/restore', { ids: res.body.trashed });
    expect([...restored.body.restored].sort()).toEqual([...mine].sort());
    expect((await getJson(owner, '/')).body.total).toBe(4);
  });

  it('when an image is deleted for good from the trash, or the trash is emptied, then rows and files are gone and nothing is left pending', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const [a, b, c] = await uploaded(owner, ['a.png', 'b.png', 'c.png']);
    await asJson(owner, '/selection/delete', { ids: [a, b] });
    const res = await asJson(owner, '/trash/delete', { ids: [a] });
    expect(res.status).toBe(200);
    expect(res.body.deleted).toEqual([a]);
    expect((await t.storedFiles()).filter((key) => key.startsWith(a))).toEqual([]);
    expect((await t.storedFiles()).filter((key) => key.startsWith(b))).toHaveLength(2);
    expect((await owner.get(`/trash/${a}/thumb`)).status).toBe(404);

    expect((await asJson(owner, '/trash/delete', { all: 'yes' })).body.deleted).toEqual([b]);
    expect((await t.storedFiles()).filter((key) => !key.startsWith(c))).toEqual([]);
    expect(await t.count('trashed_images')).toBe(0);
    expect(await t.count('pending_files')).toBe(0);
    expect((await asJson(owner, '/trash/delete', { all: 'yes' })).status).toBe(404);
  });

  it('when 30 days have passed, then the purge deletes what was trashed that long ago (rows, then files) and keeps the younger', async () => {
    t = await createTestApp();
    let owner = await signedInAgent(t, 'noor');
    const [old, young] = await uploaded(owner, ['old.png', 'young.png']);
    await asJson(owner, `/images/${old}/delete`);
    t.clock.advance(10 * DAY);
    // The session ended while the clock moved: a new one.
    const signIn = async () => {
      owner = t.agent();
      expect((await login(owner, 'noor')).status).toBe(303);
    };
    await signIn();
    expect((await asJson(owner, `/images/${young}/delete`)).status).toBe(200);
    const deps = { db: t.db, trash: createTrashRepo(t.db), images: createImagesRepo(t.db), storage: t.storage, logger: createLogger('silent'), now: t.clock.now };

    t.clock.advance(20 * DAY - 1000);
    expect(await purgeTrash(deps)).toBe(0);
    t.clock.advance(2000);
    expect(await purgeTrash(deps)).toBe(1);
    expect(await t.storedFiles()).toEqual([`${young}.png`, `${young}.thumb.webp`]);
    await signIn();
    expect((await getJson(owner, '/trash')).body.images.map((image: { id: string }) => image.id)).toEqual([young]);
    expect(await t.count('pending_files')).toBe(0);
    t.clock.advance(10 * DAY);
    // Other work that one server at a time does (ranking older images, here) does not hold the purge back.
    expect(await runAlone(t.db, 'rank', () => purgeTrash(deps))).toBe(1);
    expect(await t.storedFiles()).toEqual([]);
  });

  it('when the plain forms are used (no JavaScript), then delete asks on a page first, then moves to the trash with a message; restore and delete for good work from the trash page', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const [id] = await uploaded(owner, ['form & "quotes".png']);
    const _csrf = await csrfFrom(owner, '/');
    const asked = await owner.post(`/images/${id}/delete`).type('form').send({ _csrf, next: `/images/${id}` }).expect(200);
    expect(asked.text).toContain('Move &#34;form &amp; &#34;quotes&#34;.png&#34; to the trash?');
    expect(asked.text).toContain('name="confirmed" value="yes"');
    expect((await getJson(owner, '/')).body.total).toBe(1);

    const done = await owner.post(`/images/${id}/delete`).type('form').send({ _csrf, next: `/images/${id}`, confirmed: 'yes' }).expect(303);
    expect(done.headers.location).toBe('/'); // the image's page is gone
    const gallery = await owner.get('/');
    expect(gallery.text).toContain('Moved &#34;form &amp; &#34;quotes&#34;.png&#34; to the trash. You can restore it from the trash for 30 days.');

    const restored = await owner.post('/trash/restore').type('form').send({ _csrf, ids: id }).expect(303);
    expect(restored.headers.location).toBe('/trash');
    expect((await owner.get('/trash')).text).toContain('Restored &#34;form &amp; &#34;quotes&#34;.png&#34;.');
    expect((await getJson(owner, '/')).body.total).toBe(1);

    await owner.post(`/images/${id}/delete`).type('form').send({ _csrf, confirmed: 'yes' }).expect(303);
    const askForever = await owner.post('/trash/delete').type('form').send({ _csrf, all: 'yes' }).expect(200);
    expect(askForever.text).toContain('Empty the trash?');
    expect(await t.count('trashed_images')).toBe(1);
    await owner.post('/trash/delete').type('form').send({ _csrf, all: 'yes', confirmed: 'yes' }).expect(303);
    expect(await t.count('trashed_images')).toBe(0);
    expect(await t.storedFiles()).toEqual([]);
  });

  it('when restoring would pass the storage quota (trashed images do not count), then nothing is restored and the answer says why', async () => {
    t = await createTestApp({ env: { MAX_USER_GB: '0.001' } }); // 1 MB
    const owner = await signedInAgent(t, 'noor');
    const big = async (n: number) => ({ name: `noise-${n}.png`, data: await noisePng() });
    const first = await upload(owner, [await big(1)]);
    expect(first.status).toBe(200);
    const [id] = first.body.results.map((r: { image: { id: string } }) => r.image.id);
    await asJson(owner, `/images/${id}/delete`);
    // With the first in the trash, there is room for a second.
    const second = await upload(owner, [await big(2)]);
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.results[0].ok).toBe(true);
    const refused = await asJson(owner, '/trash/restore', { ids: [id] });
    expect(refused.status).toBe(413);
    expect(refused.body.error, refused.body.error).toMatch(/^There is no room for it in your storage quota of 1 MB \(.+ left\)\.$/);
    expect((await getJson(owner, '/trash')).body.total).toBe(1);
    expect((await getJson(owner, '/')).body.total).toBe(1);
  });

  it('when an image is trashed in another tab before its visibility is switched, then the switch answers 404 and the restored image keeps its visibility', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const [id] = await uploaded(owner, ['tab.png'], 'private');
    const trash = createTrashRepo(t.db);
    const images = createImagesRepo(t.db);
    const image = (await images.findVisible(id, (await t.rows<{ id: number }>`SELECT id FROM users WHERE username = 'noor'`)[0].id))!;
    await trash.trash(image.ownerId, [image], t.clock.now());
    // The route had read the image just before: its write finds no row and changes nothing.
    expect(await images.setVisibility(image, 'public')).toBe(false);
    expect(await images.setVisibilityMany(image.ownerId, [image], 'public')).toEqual([]);
    await trash.restore(image.ownerId, [id]);
    expect((await getJson(owner, `/images/${id}`)).body.image.visibility).toBe('private');
    expect(await t.rows`SELECT public FROM image_terms WHERE image_seq = ${image.seq} AND public = 1`).toEqual([]);
  });

  it('when every image is in the trash, then the server still starts: the storage\'s files are the trash\'s, not a stranger\'s library', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const [id] = await uploaded(owner, ['last.png']);
    await asJson(owner, `/images/${id}/delete`);
    expect(await t.count('images')).toBe(0);
    expect(await createImagesRepo(t.db).hasImages()).toBe(true);
  });

  it('when a restored image\'s place was given to a newer upload (SQLite reuses the highest seq), then it comes back with a new one and both stay whole', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const [first] = await uploaded(owner, ['first.png']);
    await asJson(owner, `/images/${first}/delete`);
    const [second] = await uploaded(owner, ['second.png']);
    expect((await asJson(owner, '/trash/restore', { ids: [first] })).status).toBe(200);
    const listed = (await getJson(owner, '/')).body.images.map((image: { id: string; originalName: string }) => image.originalName);
    expect(listed).toHaveLength(2);
    expect(listed).toEqual(expect.arrayContaining(['first.png', 'second.png']));
    for (const id of [first, second]) expect((await reach(owner, id)).statuses).toEqual([200, 200, 200, 200]);
  });
});
