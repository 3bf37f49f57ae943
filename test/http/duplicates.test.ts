import { describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, signedInAgent, upload, type TestApp, reclassifyDeps } from '../helpers/app.js';
import { fakeClassifier } from '../helpers/fake-classifier.js';
import { noiseImage } from '../helpers/fixtures.js';
import { createImagesRepo, findCopyQuery } from '../../src/images/images-repo.js';
import { fillChecksums } from '../../src/images/reclassify.js';
import { createIngest } from '../../src/images/ingest.js';
import { incomingDir } from '../../src/images/storage.js';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger } from '../../src/log.js';

/** The helper keeps copies for the other tests; here the product's default is under test. */
const SKIP = { duplicates: 'skip' };

type Result = { filename: string; ok: boolean; reason?: string; error?: string; copyOf?: string; image?: { id: string } };

const idsIn = async (agent: ReturnType<TestApp['agent']>) =>
  ((await agent.get('/?show=mine').set('Accept', 'application/json')).body.images as { id: string }[]).map((i) => i.id).sort();

describe('an upload of a file its owner already has', () => {
  it('when the same bytes are uploaded again, then they are refused as already in the library, with a link to the twin, and neither decoded nor stored', async () => {
    const classifier = fakeClassifier();
    const t = await createTestApp({ classifier });
    const agent = await signedInAgent(t, 'kim');
    const photo = await noiseImage('jpeg');
    const first = await upload(agent, [{ name: 'beach.jpg', data: photo }], 'public', false, SKIP);
    expect(first.status).toBe(200);
    const id = first.body.results[0].image.id;
    const keys = await t.storedKeys();

    // Under another name: the bytes decide, not the name.
    const again = await upload(agent, [{ name: 'beach (copy).jpg', data: photo }], 'public', false, SKIP);
    expect(again.status).toBe(409);
    expect(again.body.results).toEqual([{ filename: 'beach (copy).jpg', ok: false, reason: 'duplicate', error: 'already in your library', copyOf: id }]);
    expect(classifier.calls).toBe(1);
    expect(await t.storedKeys()).toEqual(keys);
    expect(await idsIn(agent)).toEqual([id]);
    expect(t.incomingFiles()).toEqual([]);
    await t.close();
  });

  it('when a batch mixes new files and a copy, then the new ones are stored and the copy is reported beside them', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'kim');
    const old = await noiseImage('png');
    const id = (await upload(agent, [{ name: 'old.png', data: old }], 'public', false, SKIP)).body.results[0].image.id;
    const res = await upload(agent, [{ name: 'new.jpg', data: await noiseImage('jpeg') }, { name: 'old.png', data: old }], 'public', false, SKIP);
    expect(res.status).toBe(200);
    const [fresh, copy] = res.body.results as Result[];
    expect(fresh.ok).toBe(true);
    expect(copy).toMatchObject({ ok: false, reason: 'duplicate', copyOf: id });
    expect(await idsIn(agent)).toEqual([id, fresh.image!.id].sort());
    await t.close();
  });

  it('when the upload asks to keep copies, before or after its files, then the copy is stored as an image of its own', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'kim');
    const photo = await noiseImage('jpeg');
    const id = (await upload(agent, [{ name: 'a.jpg', data: photo }], 'public', false, SKIP)).body.results[0].image.id;
    const before = await upload(agent, [{ name: 'a.jpg', data: photo }], 'public', false, { duplicates: 'keep' });
    expect(before.status).toBe(200);
    expect(before.body.results[0].ok).toBe(true);
    // Sent after the file: whether the copy was found as it landed or not, it is stored (the test below fixes the order).
    const token = await csrfFrom(agent, '/upload');
    const after = await agent.post('/images').set('X-CSRF-Token', token).set('Accept', 'application/json')
      .field('visibility', 'private').attach('images', photo, 'a.jpg').field('duplicates', 'keep');
    expect(after.status).toBe(200);
    expect(after.body.results[0].image.labels.length).toBe(3);
    const ids = await idsIn(agent);
    expect(ids).toHaveLength(3);
    expect(ids).toContain(id);
    expect(await t.storedKeys()).toHaveLength(6); // an original and a thumbnail each
    expect(t.incomingFiles()).toEqual([]);
    await t.close();
  });

  it('when one upload holds the same file twice, then one is stored and the other names it, with no object left of the second', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'kim');
    const photo = await noiseImage('webp');
    const res = await upload(agent, [{ name: 'one.webp', data: photo }, { name: 'two.webp', data: photo }], 'public', false, SKIP);
    expect(res.status).toBe(200);
    const results = res.body.results as Result[];
    const stored = results.filter((r) => r.ok);
    expect(stored).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ reason: 'duplicate', copyOf: stored[0].image!.id });
    expect(await t.storedKeys()).toHaveLength(2);
    expect(await t.count('pending_files')).toBe(0);
    await t.close();
  });

  it('when the choice to keep copies comes only after a copy has landed, then the copy is analysed then and stored', async () => {
    // The ingest alone, so the order is certain: the file lands while copies are refused, the request then keeps them.
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'kim');
    const photo = await noiseImage('jpeg');
    const id = (await upload(agent, [{ name: 'a.jpg', data: photo }], 'public', false, SKIP)).body.results[0].image.id;
    const [owner] = await t.rows<{ id: number }>`SELECT id FROM users WHERE username = 'kim'`;
    const classifier = fakeClassifier();
    const ingest = createIngest({ images: createImagesRepo(t.db), classifier, storage: t.storage, maxPixels: t.config.maxPixels, logger: createLogger('silent'), now: () => 0 });
    const sha256 = createHash('sha256').update(photo).digest('hex');
    const land = (name: string) => {
      const tempPath = path.join(incomingDir(t.config.uploadDir), name);
      writeFileSync(tempPath, photo);
      return { originalName: 'a.jpg', size: photo.length, tempPath, sha256 };
    };
    const late = land('late.part');
    const batch = ingest.startBatch({ id: owner.id, username: 'kim' }, () => true);
    batch.received({ tempPath: late.tempPath, bytes: late.size, sha256 });
    const [kept] = await batch.finish([late], { visibility: 'public', keepCopies: true });
    expect(kept.ok).toBe(true);
    expect(classifier.calls).toBe(1);

    const refused = land('refused.part');
    const second = ingest.startBatch({ id: owner.id, username: 'kim' }, () => true);
    second.received({ tempPath: refused.tempPath, bytes: refused.size, sha256 });
    expect(await second.finish([refused], { visibility: 'public', keepCopies: false })).toEqual([
      { filename: 'a.jpg', ok: false, reason: 'duplicate', error: 'already in your library', copyOf: id },
    ]);
    expect(classifier.calls).toBe(1);
    expect(t.incomingFiles()).toEqual([]);
    await t.close();
  });

  it('when another user uploads the same bytes, then they are stored for them: copies are counted in one library', async () => {
    const t = await createTestApp();
    const photo = await noiseImage('jpeg');
    const kim = await signedInAgent(t, 'kim');
    const lee = await signedInAgent(t, 'lee');
    expect((await upload(kim, [{ name: 'a.jpg', data: photo }], 'public', false, SKIP)).status).toBe(200);
    const theirs = await upload(lee, [{ name: 'a.jpg', data: photo }], 'private', false, SKIP);
    expect(theirs.status).toBe(200);
    expect(theirs.body.results[0].ok).toBe(true);
    await t.close();
  });

  it('when the choice is neither keep nor skip, then the upload is refused with a message and nothing is kept', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'kim');
    const res = await upload(agent, [{ name: 'a.jpg', data: await noiseImage('jpeg') }], 'public', false, { duplicates: 'maybe' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('duplicates must be "keep" or "skip".');
    expect(await t.storedKeys()).toEqual([]);
    expect(t.incomingFiles()).toEqual([]);
    await t.close();
  });

  it('when the form is sent without JavaScript with only copies, then the upload page says so with a link to each twin, and the box to keep them is there', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'kim');
    const photo = await noiseImage('jpeg');
    const id = (await upload(agent, [{ name: 'a.jpg', data: photo }], 'public', false, SKIP)).body.results[0].image.id;
    const page = await agent.get('/upload');
    expect(page.text).toContain('<input type="checkbox" name="duplicates" value="keep" >');
    const _csrf = await csrfFrom(agent, '/upload');
    const res = await agent.post('/images').field('_csrf', _csrf).field('visibility', 'private').attach('images', photo, 'a <b>.jpg');
    expect(res.status).toBe(409);
    expect(res.text).toContain(`<li><strong>a &lt;b&gt;.jpg</strong>: already in your library (<a href="/images/${id}">see it</a>)</li>`);
    expect(res.text).toMatch(/<input type="radio" name="visibility" value="private" checked>/);
    expect(res.text).toContain('To store a copy all the same, tick "Upload photos I already have again" and choose it again.');
    await t.close();
  });

  it('when images were stored before checksums were taken, then reclassify reads them, and a copy of one is caught from then on', async () => {
    const t = await createTestApp();
    const agent = await signedInAgent(t, 'kim');
    const photo = await noiseImage('png');
    await upload(agent, [{ name: 'old.png', data: photo }, { name: 'other.jpg', data: await noiseImage('jpeg') }], 'public', false, SKIP);
    // As migration 014 leaves an image stored before it.
    await t.rows`UPDATE images SET sha256 = NULL`;
    const deps = reclassifyDeps(t);
    const steps: string[] = [];
    expect(await fillChecksums(deps, (done, total) => steps.push(`${done}/${total}`))).toEqual({ read: 2, failed: 0 });
    expect(steps).toEqual(['1/2', '2/2']);
    expect(await fillChecksums(deps)).toEqual({ read: 0, failed: 0 });
    const again = await upload(agent, [{ name: 'old.png', data: photo }], 'public', false, SKIP);
    expect(again.status).toBe(409);
    expect(t.incomingFiles()).toEqual([]);
    await t.close();
  });

  it('when the copy look-up runs on SQLite, then it is one range of the owner\'s checksum index', async () => {
    const t = await createTestApp({ backend: 'sqlite' });
    const { sql, parameters } = findCopyQuery(t.db.query, 1, 'ab'.repeat(32)).compile();
    const plan = (t.db.sqlite!.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[]).map((p) => p.detail).join('\n');
    expect(plan).toMatch(/USING INDEX images_owner_sha256 \(owner_id=\? AND sha256=\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE/); // the oldest twin: seq is the rowid, the index's last column
    await t.close();
  });
});
