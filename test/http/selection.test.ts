// Actions on a selection: one request for many images, the owner's rules exactly as for one image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type request from 'supertest';
import { createTestApp, csrfFrom, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import sharp from 'sharp';
import { noiseImage, solidPng } from '../helpers/fixtures.js';
import { bytes as binary, zipEntries } from '../helpers/served.js';
import { createImagesRepo } from '../../src/images/images-repo.js';
import { MAX_SELECTION } from '../../src/images/access.js';

let t: TestApp;
let ana: request.Agent;
let ben: request.Agent;

beforeAll(async () => {
  t = await createTestApp();
  ana = await signedInAgent(t, 'ana');
  ben = await signedInAgent(t, 'ben');
});
afterAll(() => t.close());

const json = (test: request.Test) => test.set('Accept', 'application/json');

async function uploaded(agent: request.Agent, files: { name: string; data: Buffer }[], visibility = 'public'): Promise<string[]> {
  const res = await upload(agent, files, visibility);
  expect(res.status).toBe(200);
  return res.body.results.map((r: { image: { id: string } }) => r.image.id);
}

async function pngs(n: number, prefix: string) {
  return Promise.all(Array.from({ length: n }, async (_, i) => ({ name: `${prefix}-${i}.png`, data: await solidPng(`#${(0x203040 + i * 0x111111).toString(16).slice(-6)}`, 24, 16) })));
}

const visibilityOf = async (id: string) => (await t.rows<{ visibility: string }>`SELECT visibility FROM images WHERE id = ${id}`)[0]?.visibility;
const termsPublic = async (id: string) =>
  new Set((await t.rows<{ public: number }>`SELECT t.public FROM image_terms t JOIN images i ON i.seq = t.image_seq WHERE i.id = ${id}`).map((r) => Number(r.public)));

describe('changing the visibility of a selection', () => {
  it('when the owner makes several images private at once, then theirs change (rows and search terms) and others\' and unknown ids are left and counted', async () => {
    const mine = await uploaded(ana, await pngs(3, 'mine'));
    const [bens] = await uploaded(ben, await pngs(1, 'bens'));
    const unknown = crypto.randomUUID();
    const token = await csrfFrom(ana, '/');
    const res = await json(ana.post('/selection/visibility')).set('X-CSRF-Token', token).send({ ids: [...mine, bens, unknown], visibility: 'private' });
    expect(res.status).toBe(200);
    // The files of one upload are stored side by side, so their order is not the batch's: compared as sets.
    expect({ ...res.body, changed: [...res.body.changed].sort() }).toEqual({ changed: [...mine].sort(), visibility: 'private', others: 1, unseen: 1 });
    for (const id of mine) {
      expect(await visibilityOf(id)).toBe('private');
      expect(await termsPublic(id)).toEqual(new Set([0]));
    }
    expect(await visibilityOf(bens)).toBe('public');
    // Ben no longer sees them anywhere: not in the gallery, not in a search for their owner.
    const seen = (await json(ben.get('/search').query({ q: 'ana' }))).body.images.map((i: { id: string }) => i.id);
    expect(seen.filter((id: string) => mine.includes(id))).toEqual([]);
  });

  it('when the form is posted without JavaScript, then it redirects back with a message saying how many changed', async () => {
    const mine = await uploaded(ana, await pngs(2, 'form'), 'private');
    const _csrf = await csrfFrom(ana, '/');
    const res = await ana.post('/selection/visibility').type('form').send(`_csrf=${encodeURIComponent(_csrf)}&visibility=public&next=%2F%3Fshow%3Dmine&ids=${mine[0]}&ids=${mine[1]}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?show=mine');
    expect((await ana.get('/?show=mine')).text).toContain('2 images are now public.');
    for (const id of mine) expect(await visibilityOf(id)).toBe('public');
  });

  it('when a selection holds only another user\'s images, then 403 for public ones and the 404 of an unknown id for private ones, and nothing changes', async () => {
    const [pub] = await uploaded(ben, await pngs(1, 'pub'));
    const [priv] = await uploaded(ben, await pngs(1, 'priv'), 'private');
    const token = await csrfFrom(ana, '/');
    const send = (ids: string[]) => json(ana.post('/selection/visibility')).set('X-CSRF-Token', token).send({ ids, visibility: 'private' });
    expect((await send([pub])).status).toBe(403);
    const hidden = await send([priv]);
    const unknown = await send([crypto.randomUUID()]);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual(unknown.body);
    expect(await visibilityOf(pub)).toBe('public');
    expect(await visibilityOf(priv)).toBe('private');
  });

  it('when the selection is empty, malformed, too large or the visibility unknown, then 400 with a message, and without a CSRF token 403', async () => {
    const [id] = await uploaded(ana, await pngs(1, 'bad'));
    const token = await csrfFrom(ana, '/');
    const send = (body: object) => json(ana.post('/selection/visibility')).set('X-CSRF-Token', token).send(body);
    expect((await send({ visibility: 'private' })).body.error).toBe('Select at least one image.');
    expect((await send({ ids: [], visibility: 'private' })).status).toBe(400);
    expect((await send({ ids: ['../etc/passwd'], visibility: 'private' })).body.error).toBe('A selected image id is not an image id.');
    expect((await send({ ids: [{ id }], visibility: 'private' })).status).toBe(400);
    const tooMany = await send({ ids: Array.from({ length: MAX_SELECTION + 1 }, () => crypto.randomUUID()), visibility: 'private' });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toBe('Select at most 5,000 images at once.');
    expect((await send({ ids: [id], visibility: 'secret' })).status).toBe(400);
    expect((await json(ana.post('/selection/visibility')).send({ ids: [id], visibility: 'private' })).status).toBe(403);
    expect(await visibilityOf(id)).toBe('public');
  });

  it('when 1,000 images are selected, then one request changes them all, in the gallery count too', async () => {
    const owner = await signedInAgent(t, 'many');
    const [{ id: ownerId }] = await t.rows<{ id: number }>`SELECT id FROM users WHERE username = 'many'`;
    const repo = createImagesRepo(t.db);
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const id = crypto.randomUUID();
      ids.push(id);
      await repo.insert({ id, visibility: 'public', originalName: `p${i}.jpg`, format: 'jpeg', bytes: 1000, width: 40, height: 30, colourName: 'red', colourHex: '#cc0000', createdAt: i }, { id: Number(ownerId), username: 'many' }, [{ name: 'tabby, tabby cat', probability: 0.9 }]);
    }
    const token = await csrfFrom(owner, '/');
    const res = await json(owner.post('/selection/visibility')).set('X-CSRF-Token', token).send({ ids, visibility: 'private' });
    expect(res.status).toBe(200);
    expect(res.body.changed).toHaveLength(1000);
    expect((await json(owner.get('/?show=private'))).body.total).toBe(1000);
    expect((await json(ben.get('/search').query({ q: 'many' }))).body.total).toBe(0);
  }, 60_000);
});

describe('deleting a selection (into the trash)', () => {
  it('when the form is posted without JavaScript, then a page asks first, listing what goes, and nothing is moved yet', async () => {
    const mine = await uploaded(ana, await pngs(2, 'ask'));
    const _csrf = await csrfFrom(ana, '/');
    const res = await ana.post('/selection/delete').type('form').send(`_csrf=${encodeURIComponent(_csrf)}&next=%2F&ids=${mine[0]}&ids=${mine[1]}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Move 2 images to the trash?');
    expect(res.text).toContain('ask-0.png');
    expect(res.text).toContain('name="confirmed" value="yes"');
    for (const id of mine) expect(await visibilityOf(id)).toBe('public');

    const confirmed = await ana.post('/selection/delete').type('form').send(`_csrf=${encodeURIComponent(_csrf)}&next=%2F&confirmed=yes&ids=${mine[0]}&ids=${mine[1]}`);
    expect(confirmed.status).toBe(303);
    expect((await ana.get('/')).text).toContain('Moved 2 images to the trash. You can restore them from the trash for 30 days.');
    for (const id of mine) expect(await visibilityOf(id)).toBeUndefined();
    expect((await json(ana.get('/trash'))).body.images.map((image: { id: string }) => image.id).sort()).toEqual([...mine].sort());
    expect(await t.count('pending_files')).toBe(0);
  });

  it('when a script deletes a selection with another\'s image in it, then the owner\'s go to the trash, their files with them once it is emptied, and the other\'s stays', async () => {
    const mine = await uploaded(ana, await pngs(3, 'gone'));
    const [bens] = await uploaded(ben, await pngs(1, 'stays'));
    const token = await csrfFrom(ana, '/');
    const res = await json(ana.post('/selection/delete')).set('X-CSRF-Token', token).send({ ids: [...mine, bens] });
    expect(res.status).toBe(200);
    expect({ ...res.body, trashed: [...res.body.trashed].sort() }).toEqual({ trashed: [...mine].sort(), others: 1, unseen: 0, restoreUntil: expect.any(String) });
    for (const id of mine) expect(await visibilityOf(id)).toBeUndefined();
    expect(await visibilityOf(bens)).toBe('public');
    expect((await json(ana.post('/trash/delete')).set('X-CSRF-Token', token).send({ all: 'yes' })).status).toBe(200);
    const keys = await t.storedKeys();
    expect(keys.filter((k) => mine.some((id) => k.startsWith(id)))).toEqual([]);
    expect(keys.filter((k) => k.startsWith(bens))).toHaveLength(2);
  });
});


describe('downloading a selection as one zip', () => {
  it('when several images are downloaded, then the zip holds each under a unique, safe name, the owner\'s originals byte for byte and others\' as they are served to the viewer', async () => {
    const a1 = await noiseImage('jpeg');
    const a2 = await noiseImage('jpeg', 200, 100);
    const named = await noiseImage('png', 50, 40);
    const [first] = await uploaded(ana, [{ name: 'a.jpg', data: a1 }]);
    const [second] = await uploaded(ana, [{ name: 'A.JPG', data: a2 }]);
    const [unicode] = await uploaded(ana, [{ name: 'Été à Kyōto 写真:1.png', data: named }]);
    // Ben's photo carries what a camera writes: the zip must give Ana the copy without it, as the file route does.
    const bensPhoto = await sharp(await noiseImage('jpeg', 120, 90)).withExif({ IFD0: { Make: 'Pixel', Artist: 'Ben Example' }, IFD2: { BodySerialNumber: 'SN-SELECTION-42' } }).jpeg().toBuffer();
    expect(bensPhoto.includes('SN-SELECTION-42')).toBe(true);
    const [bens] = await uploaded(ben, [{ name: 'a.jpg', data: bensPhoto }]);
    const [bensPrivate] = await uploaded(ben, [{ name: 'secret.png', data: await solidPng('#112233') }], 'private');
    const token = await csrfFrom(ana, '/');
    const res = await ana.post('/selection/download').set('X-CSRF-Token', token).send({ ids: [first, second, unicode, bens, bensPrivate] })
      .buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="?image-repo-\d{4}-\d{2}-\d{2}\.zip"?$/);
    const entries = await zipEntries(res.body as Buffer);
    // Newest first; the names as case-insensitive systems see them, and no ':' (Windows refuses it).
    expect(entries.map((e) => e.name)).toEqual(['a.jpg', 'Été à Kyōto 写真_1.png', 'A (2).JPG', 'a (3).jpg']);
    expect(entries.find((e) => e.name === 'Été à Kyōto 写真_1.png')!.utf8).toBe(true);
    expect(Buffer.compare(entries[3].bytes, a1)).toBe(0);
    expect(Buffer.compare(entries[2].bytes, a2)).toBe(0);
    expect(Buffer.compare(entries[1].bytes, named)).toBe(0);
    expect(entries[0].bytes.includes('SN-SELECTION-42')).toBe(false);
    expect(entries[0].bytes.includes('Ben Example')).toBe(false);
    const served = await ana.get(`/images/${bens}/file`).buffer(true).parse(binary);
    expect(Buffer.compare(entries[0].bytes, served.body as Buffer)).toBe(0);
    // Ben's own zip of it is his original, byte for byte.
    const own = await ben.post('/selection/download').set('X-CSRF-Token', await csrfFrom(ben, '/')).send({ ids: [bens] }).buffer(true).parse(binary);
    expect(Buffer.compare((await zipEntries(own.body as Buffer))[0].bytes, bensPhoto)).toBe(0);
    expect(entries.some((e) => e.name.includes('secret'))).toBe(false);
  });

  it('when every selected image is one the viewer may not see, then the 404 of an unknown id and no zip', async () => {
    const [priv] = await uploaded(ben, await pngs(1, 'hidden'), 'private');
    const token = await csrfFrom(ana, '/');
    const res = await json(ana.post('/selection/download')).set('X-CSRF-Token', token).send({ ids: [priv] });
    const unknown = await json(ana.post('/selection/download')).set('X-CSRF-Token', token).send({ ids: [crypto.randomUUID()] });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(unknown.body);
  });
});

describe('a selection by API token', () => {
  async function tokenAgent(agent: request.Agent, scope: 'read' | 'read-write') {
    const _csrf = await csrfFrom(agent, '/account');
    const made = await agent.post('/account/tokens').type('form').send({ _csrf, name: `selection ${scope}`, scope, days: '0' });
    return t.agent().set('Authorization', `Bearer ${/value="(irt_[^"]+)"/.exec(made.text)![1]}`);
  }

  it('when a read token downloads a selection, then it gets the zip, and it may not change or delete one', async () => {
    const [id] = await uploaded(ana, [{ name: 'by-token.png', data: await solidPng('#445566') }]);
    const reader = await tokenAgent(ana, 'read');
    const zip = await reader.post('/selection/download').send({ ids: [id] }).buffer(true).parse(binary);
    expect(zip.status).toBe(200);
    expect((await zipEntries(zip.body as Buffer)).map((e) => e.name)).toEqual(['by-token.png']);
    expect((await json(reader.post('/selection/visibility')).send({ ids: [id], visibility: 'private' })).status).toBe(403);
    expect((await json(reader.post('/selection/delete')).send({ ids: [id] })).status).toBe(403);
    expect(await visibilityOf(id)).toBe('public');
    const writer = await tokenAgent(ana, 'read-write');
    expect((await json(writer.post('/selection/visibility')).send({ ids: [id], visibility: 'private' })).status).toBe(200);
    expect(await visibilityOf(id)).toBe('private');
  });
});

describe('selecting every image of a list', () => {
  it('when an action names a list instead of ids, then it applies to every image of it the viewer may change, read again by the server', async () => {
    const owner = await signedInAgent(t, 'lister');
    const [cat1, cat2] = await uploaded(owner, [{ name: 'l1.png', data: await solidPng('#c0392b') }, { name: 'l2.png', data: await solidPng('#c0392b', 30, 30) }]);
    const [blue] = await uploaded(owner, [{ name: 'l3.png', data: await solidPng('#2040c0') }]);
    const [bensRed] = await uploaded(ben, [{ name: 'b-red.png', data: await solidPng('#c0392b', 20, 20) }]);
    const [bensPrivateRed] = await uploaded(ben, [{ name: 'b-red-private.png', data: await solidPng('#c0392b', 22, 22) }], 'private');
    const token = await csrfFrom(owner, '/');
    // A search for red, made private: the owner's two red ones change; Ben's public red one is counted as
    // another's, and his private one is not in the owner's list at all.
    const res = await json(owner.post('/selection/visibility')).set('X-CSRF-Token', token).send({ all: '/search?q=lister,+red', visibility: 'private' });
    expect(res.status).toBe(200);
    expect([...res.body.changed].sort()).toEqual([cat1, cat2, blue].sort());
    expect(res.body.others).toBeGreaterThanOrEqual(1);
    expect(await visibilityOf(bensRed)).toBe('public');
    expect(await visibilityOf(bensPrivateRed)).toBe('private');

    // The gallery's own list ("My private"), downloaded whole.
    const zip = await owner.post('/selection/download').set('X-CSRF-Token', token).send({ all: '/?show=private' }).buffer(true).parse(binary);
    expect((await zipEntries(zip.body as Buffer)).map((e) => e.name).sort()).toEqual(['l1.png', 'l2.png', 'l3.png']);
  });

  it('when the list address is not a list, has no terms, or holds nothing, then a clear 400 or 404', async () => {
    const token = await csrfFrom(ana, '/');
    const send = (all: unknown) => json(ana.post('/selection/download')).set('X-CSRF-Token', token).send({ all });
    expect((await send('https://evil.example/')).body.error).toBe('"all" is the address of a list of images.');
    expect((await send('/account')).status).toBe(400);
    expect((await send('/search?q=,')).body.error).toBe('The search has no terms.');
    expect((await send('/?show=everything')).status).toBe(400);
    // As the list's own page would (a repeated parameter is a list of values there), not one of the two.
    expect((await send('/?show=private&show=mine')).body.error).toBe('The list\'s address names a parameter twice.');
    expect((await ana.get('/?show=private&show=mine').set('Accept', 'application/json')).status).toBe(400);
    expect((await send('/search?q=nothing-is-called-this')).status).toBe(404);
  });
});
