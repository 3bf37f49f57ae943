import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createTestApp, csrfFrom, emptyTrash, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import type { Db } from '../../src/db/index.js';
import { listQuery, type Scope } from '../../src/images/images-repo.js';
import { onPostgres } from '../helpers/backend.js';
import { noiseImage, solidPng, textFile, twoColourPng } from '../helpers/fixtures.js';
import type request from 'supertest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeClassifier } from '../helpers/fake-classifier.js';
import { registerUser } from '../helpers/live-server.js';

let t: TestApp;
let owner: request.Agent;
let other: request.Agent;
beforeEach(async () => {
  t = await createTestApp({ env: { MAX_FILE_MB: '1', MAX_FILES: '5' } });
  owner = await signedInAgent(t, 'owner');
  other = await signedInAgent(t, 'other');
});
afterEach(() => t.close());

async function uploadOne(agent: request.Agent, visibility = 'public', data?: Buffer, name = 'photo.png') {
  const res = await upload(agent, [{ name, data: data ?? (await solidPng('#c0392b', 80, 60)) }], visibility);
  expect(res.status).toBe(200);
  return res.body.results[0].image as { id: string; [k: string]: unknown };
}

describe('upload', () => {
  it('when several images are sent, then each is stored with its colour, labels, files and rows', async () => {
    const res = await upload(owner, [
      { name: 'red.png', data: await solidPng('#c0392b', 120, 80) },
      { name: 'mostly-red.png', data: await twoColourPng('#ff0000', '#0000ff', 0.7) },
      { name: 'noise.jpg', data: await noiseImage('jpeg') },
    ]);
    expect(res.status).toBe(200);
    const [red, mixed, noise] = res.body.results;
    expect(red).toMatchObject({ filename: 'red.png', ok: true, image: { owner: 'owner', visibility: 'public', width: 120, height: 80, originalName: 'red.png', colour: { name: 'red', hex: expect.stringMatching(/^#[0-9a-f]{6}$/) } } });
    expect(red.image.labels).toEqual([
      { name: 'tabby, tabby cat', probability: 0.7 }, { name: 'Egyptian cat', probability: 0.2 }, { name: 'tiger cat', probability: 0.05 },
    ]);
    expect(mixed.image.colour.name).toBe('red');
    // The card HTML for the page to insert; its owner buttons submit the gallery's own form (token and way back).
    expect(red.html).toContain(`data-image-id="${red.image.id}"`);
    expect(red.html).toContain(`form="image-actions" formaction="/images/${red.image.id}/visibility" name="visibility" value="private"`);
    expect(red.html).not.toContain('_csrf');
    expect(noise.ok).toBe(true);
    expect(await t.count('images')).toBe(3);
    expect(await t.labelCount()).toBe(9);
    const ids = res.body.results.map((r: { image: { id: string } }) => r.image.id);
    expect(await t.storedFiles()).toEqual(
      ids.flatMap((id: string, i: number) => [`${id}.${['png', 'png', 'jpeg'][i]}`, `${id}.thumb.webp`]).sort(),
    );
    expect(t.incomingFiles()).toEqual([]);
  });

  it('when a multi-file upload is still arriving, then the files already received are analysed and classified meanwhile', async () => {
    const classifier = fakeClassifier();
    const early = await createTestApp({ classifier });
    const server = early.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { cookie, token } = await registerUser(base, 'early');
      const boundary = 'early-boundary';
      const head = (name: string) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="images"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n`;
      const req = http.request(`${base}/images`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': token, accept: 'application/json', 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        req.on('response', (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
      });
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="visibility"\r\n\r\npublic\r\n`);
      req.write(Buffer.concat([Buffer.from(head('first.png')), await solidPng('#c0392b', 300, 200), Buffer.from('\r\n')]));
      // The second file's head marks the end of the first; its bytes wait until the first reached the classifier.
      req.write(head('second.png'));
      for (let waited = 0; classifier.calls === 0 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      expect(classifier.calls, 'classified before the request ended').toBe(1);
      req.end(Buffer.concat([await solidPng('#2255cc', 300, 200), Buffer.from(`\r\n--${boundary}--\r\n`)]));
      const { status, body } = await answer;
      expect(status).toBe(200);
      expect(JSON.parse(body).results.map((r: { filename: string; ok: boolean }) => [r.filename, r.ok])).toEqual([['first.png', true], ['second.png', true]]);
      expect(classifier.calls).toBe(2);
      expect(await early.count('images')).toBe(2);
      expect(early.incomingFiles()).toEqual([]);
    } finally {
      server.close();
      await early.close();
    }
  });

  it('when a batch turns out to have too many files, then the files already received are dropped quietly and the answer is 413', async () => {
    const token = await csrfFrom(owner, '/');
    let req = owner.post('/images').set('X-CSRF-Token', token).set('Accept', 'application/json').field('visibility', 'public');
    for (let i = 0; i < 6; i++) req = req.attach('images', await solidPng('#c0392b', 300, 200), `${i}.png`); // MAX_FILES is 5
    const res = await req;
    expect(res.status).toBe(413);
    expect(await t.count('images')).toBe(0);
    expect(await t.storedFiles()).toEqual([]);
    // Analyses are awaited before the answer; let any late log line land.
    await new Promise((r) => setTimeout(r, 50));
    expect(t.incomingFiles()).toEqual([]);
    expect(t.logLines.join('')).not.toContain('ingest failed');
  });

  it('when the request fails after files were received and analysed, then nothing of them is kept', async () => {
    const token = await csrfFrom(owner, '/');
    // The visibility field comes after the files, so they are on disk (and being analysed) when it is refused.
    const res = await owner.post('/images').set('X-CSRF-Token', token).set('Accept', 'application/json')
      .attach('images', await solidPng('#c0392b', 300, 200), 'a.png')
      .attach('images', await solidPng('#2255cc', 300, 200), 'b.png')
      .field('visibility', 'everyone');
    expect(res.status).toBe(400);
    expect(await t.count('images')).toBe(0);
    expect(await t.storedFiles()).toEqual([]);
    expect(t.incomingFiles()).toEqual([]);
  });

  it('when a batch mixes good and bad files, then the good ones are kept and each bad one says why', async () => {
    const res = await upload(owner, [
      { name: 'good.png', data: await solidPng('#00ff00') },
      { name: 'notes.jpg', data: textFile },
      { name: 'huge.png', data: Buffer.alloc(1024 * 1024 + 10, 1) },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false, false]);
    expect(res.body.results[1].error).toBe('not an image');
    expect(res.body.results[2].error).toBe('too large: 1 MB, the limit is 1 MB');
    expect(await t.count('images')).toBe(1);
    expect(await t.storedFiles()).toHaveLength(2);
    expect(t.incomingFiles()).toEqual([]);
  });

  it('when every file is bad, then the status says so and nothing is stored', async () => {
    const res = await upload(owner, [{ name: 'a.jpg', data: textFile }]);
    expect(res.status).toBe(415);
    expect(await t.count('images')).toBe(0);
    expect(await t.storedFiles()).toEqual([]);
  });

  it('when there are more files than the limit, then the whole upload is refused with 413 naming the limit', async () => {
    const png = await solidPng('#000000', 8, 8);
    const res = await upload(owner, Array.from({ length: 6 }, (_, i) => ({ name: `${i}.png`, data: png })));
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('Too many files: at most 5 in one upload.');
    expect(await t.count('images')).toBe(0);
    expect(t.incomingFiles()).toEqual([]);
  });

  it.each([[null], ['secret'], ['']])('when visibility is %j, then the upload is refused and nothing is kept', async (visibility) => {
    const res = await upload(owner, [{ name: 'a.png', data: await solidPng('#000000') }], visibility ?? undefined, visibility === null);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Choose whether the images are public or private.');
    expect(await t.count('images')).toBe(0);
    expect(t.incomingFiles()).toEqual([]);
  });

  it('when no file is sent, then the answer says to choose one', async () => {
    const res = await upload(owner, []);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Choose at least one image to upload.');
  });

  it('when the CSRF token is missing, then nothing is written', async () => {
    const res = await owner.post('/images').set('Accept', 'application/json').field('visibility', 'public').attach('images', await solidPng('#000000'), 'a.png');
    expect(res.status).toBe(403);
    expect(await t.count('images')).toBe(0);
    expect(t.incomingFiles()).toEqual([]);
  });

  it('when the plain form posts (no JavaScript), then it redirects to the gallery with a summary', async () => {
    const _csrf = await csrfFrom(owner, '/upload');
    const res = await owner.post('/images').field('_csrf', _csrf).field('visibility', 'private')
      .attach('images', await solidPng('#0000ff'), 'blue.png').attach('images', textFile, 'notes.txt');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const gallery = await owner.get('/');
    expect(gallery.text).toContain('Uploaded 1 image. Not uploaded: notes.txt (not an image).');
    expect(gallery.text).toContain('badge-private');
  });

  it('when the file name has a path, control characters or bidi marks, then only a clean name is kept', async () => {
    const image = await uploadOne(owner, 'public', undefined, '../../etc/evil\u202Egnp.png');
    expect(image.originalName).toBe('evilgnp.png');
  });

  it('when no model is loaded, then images are stored as not classified yet and say so', async () => {
    const noModel = await createTestApp({ classifier: undefined });
    const agent = await signedInAgent(noModel, 'solo');
    const res = await upload(agent, [{ name: 'a.png', data: await solidPng('#ffffff') }]);
    expect(res.status).toBe(200);
    expect(res.body.results[0]).toMatchObject({ ok: true, notice: expect.stringContaining('not classified yet'), image: { labels: [], classified: false } });
    expect((await agent.get('/upload')).text).toContain('No model is loaded right now');
    await noModel.close();
  });
});

describe('gallery', () => {
  it('when images are public or private, then others see only the public ones and the owner sees both', async () => {
    const pub = await uploadOne(owner, 'public');
    const priv = await uploadOne(owner, 'private');
    const mine = await owner.get('/').set('Accept', 'application/json');
    expect(mine.body.images.map((i: { id: string }) => i.id)).toEqual([priv.id, pub.id]);
    expect(mine.body).toMatchObject({ page: 1, pages: 1, total: 2 });
    const theirs = await other.get('/').set('Accept', 'application/json');
    expect(theirs.body.images.map((i: { id: string }) => i.id)).toEqual([pub.id]);
    expect(theirs.body.total).toBe(1);
    const html = await other.get('/');
    expect(html.text).toContain(pub.id);
    expect(html.text).not.toContain(priv.id);
  });

  it('when Mine, My private or an uploader is chosen, then the list, its count and its JSON hold only those images', async () => {
    const pub = await uploadOne(owner, 'public');
    const priv = await uploadOne(owner, 'private');
    const theirs = await uploadOne(other, 'public');
    const theirPrivate = await uploadOne(other, 'private');
    const list = async (agent: request.Agent, query: string) => {
      const res = await agent.get(`/?${query}`).set('Accept', 'application/json');
      expect(res.status, res.text).toBe(200);
      return { ids: res.body.images.map((i: { id: string }) => i.id), body: res.body };
    };
    expect((await list(owner, '')).ids).toEqual([theirs.id, priv.id, pub.id]);
    expect((await list(owner, 'show=mine')).ids).toEqual([priv.id, pub.id]);
    expect((await list(owner, 'show=mine')).body).toMatchObject({ total: 2, show: 'mine' });
    expect((await list(owner, 'show=private')).ids).toEqual([priv.id]);
    expect((await list(owner, 'show=private&sort=taken')).ids).toEqual([priv.id]);
    // Another uploader's list is their public images only; one's own name is one's whole list.
    expect((await list(owner, 'uploader=other')).ids).toEqual([theirs.id]);
    expect((await list(owner, 'uploader=other')).body).toMatchObject({ total: 1, show: 'all', uploader: 'other' });
    expect((await list(other, 'uploader=other')).ids).toEqual([theirPrivate.id, theirs.id]);
    expect((await list(other, 'uploader=owner&sort=taken')).ids).toEqual([pub.id]);

    const page = await owner.get('/?show=private');
    expect(page.text).toContain('<h1>My private images</h1>');
    expect(page.text).toMatch(/<a href="\/\?show=private" aria-current="page">My private<\/a>/);
    expect(page.text).not.toContain(pub.id);
    // The order switch stays on this list.
    expect(page.text).toContain('href="/?show=private&amp;sort=taken"');
    expect((await (await signedInAgent(t, 'newcomer')).get('/?show=private')).text).toContain('No private images');
    expect((await owner.get('/?uploader=other')).text).toContain('<h1>Images by other</h1>');
  });

  it.each([
    ['show=everything', 400, '"show" is "all", "mine" or "private".'],
    ['show=constructor', 400, '"show" is "all", "mine" or "private".'],
    ['show=mine&show=private', 400, '"show" is "all", "mine" or "private".'],
    ['uploader=a&uploader=b', 400, '"uploader" is one user name.'],
    ['show=mine&uploader=other', 400, 'Use "show" or "uploader", not both.'],
    [`uploader=${'x'.repeat(101)}`, 400, '"uploader" is one user name.'],
    ['uploader=nobody', 404, 'There is no user with this name.'],
  ])('when the gallery is asked for %s, then the answer is a clear %i', async (query, status, error) => {
    const res = await owner.get(`/?${query}`).set('Accept', 'application/json');
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
  });

  // SQLite's planner on the statements the repository runs: each list is one index range, at any depth.
  it.skipIf(onPostgres)('when an owner\'s list is read on SQLite, then it is a range of an owner index, with no sort', () => {
    const plan = (scope: Scope, order: 'uploaded' | 'taken', cursor: object) => {
      const { sql, parameters } = listQuery(t.db, scope, cursor, 49, order).compile();
      return (t.db.sqlite!.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[]).map((p) => p.detail).join('\n');
    };
    const scopes: [Scope, string, string][] = [
      [{ viewer: 1, owner: 1 }, 'images_owner_recent', 'images_owner_taken'],
      [{ viewer: 1, owner: 1, only: 'private' }, 'images_owner', 'images_owner_visibility_taken'],
      [{ viewer: 1, owner: 2 }, 'images_owner', 'images_owner_visibility_taken'],
    ];
    for (const [scope, recent, taken] of scopes) {
      for (const cursor of [{ offset: 0 }, { before: 5, at: 0 }, { after: 5, at: 0 }]) {
        expect(plan(scope, 'uploaded', cursor)).toMatch(new RegExp(`USING INDEX ${recent} \\(owner_id=\\?`));
        expect(plan(scope, 'taken', cursor)).toMatch(new RegExp(`USING INDEX ${taken} \\(owner_id=\\?`));
        for (const order of ['uploaded', 'taken'] as const) expect(plan(scope, order, cursor)).not.toMatch(/TEMP B-TREE|SCAN/);
      }
    }
  });

  it('when one owner\'s list spans pages, then Older and Newer walk it and keep to it', async () => {
    const png = await solidPng('#123456', 8, 8);
    for (let i = 0; i < 3; i++) await upload(other, [{ name: `o${i}.png`, data: png }], 'public');
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.unshift((await uploadOne(owner, i % 2 ? 'private' : 'public', png, `${i}.png`)).id);
    const first = await owner.get('/?show=mine').set('Accept', 'application/json');
    expect(first.body).toMatchObject({ total: 50, pages: 2 });
    expect(first.body.older).toMatch(/^\/\?show=mine&page=2&before=/);
    const second = await owner.get(first.body.older).set('Accept', 'application/json');
    expect([...first.body.images, ...second.body.images].map((i: { id: string }) => i.id)).toEqual(ids);
    const back = await owner.get(second.body.newer).set('Accept', 'application/json');
    expect(back.body.images.map((i: { id: string }) => i.id)).toEqual(ids.slice(0, 48));
  });

  it('when there are more than 48 images, then Older and Newer links walk the pages without gaps or repeats', async () => {
    const png = await solidPng('#123456', 8, 8);
    for (let i = 0; i < 3; i++) {
      const res = await upload(owner, Array.from({ length: 5 }, (_, j) => ({ name: `${i}-${j}.png`, data: png })));
      expect(res.status).toBe(200);
    }
    // 15 uploaded through HTTP; add rows straight through the repo for the rest (the files do not matter here).
    const { createImagesRepo } = await import('../../src/images/images-repo.js');
    const repo = createImagesRepo(t.db);
    for (let i = 0; i < 90; i++) {
      await repo.insert({ id: crypto.randomUUID(), visibility: 'public', originalName: `x${i}.png`, format: 'png', bytes: 1, width: 1, height: 1, colourHex: '#000000', colourName: 'black', createdAt: i }, { id: 1, username: 'owner' }, null);
    }
    const seen: string[] = [];
    let url: string | undefined = '/';
    let pages = 0;
    while (url) {
      const res: request.Response = await owner.get(url).set('Accept', 'application/json');
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(105);
      expect(res.body.page).toBe(++pages);
      seen.push(...res.body.images.map((i: { id: string }) => i.id));
      url = res.body.older;
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(105);
    const third = await owner.get('/?page=3').set('Accept', 'application/json');
    expect(third.body.images).toHaveLength(9);
    const back = await owner.get(third.body.newer).set('Accept', 'application/json');
    expect(back.body.images.map((i: { id: string }) => i.id)).toEqual(seen.slice(48, 96));
  });

  it.each(['0', '-1', 'abc', '1.5'])('when page=%s, then the answer is a clear 400', async (page) => {
    const res = await owner.get(`/?page=${page}`);
    expect(res.status).toBe(400);
    expect(res.text).toContain('&#34;page&#34; must be a whole number');
  });

  it('when a page is per user and negotiates HTML or JSON, then shared caches are kept out', async () => {
    const res = await owner.get('/');
    expect(res.headers['cache-control']).toBe('private, no-cache');
    expect(res.headers.vary).toMatch(/Accept/);
  });

  it('when the owner sees their own cards, then their buttons share the one form that carries the token and the way back', async () => {
    const pub = await uploadOne(owner, 'public');
    const priv = await uploadOne(owner, 'private');
    const token = await csrfFrom(owner, '/');
    const page = (await owner.get('/search?q=tabby')).text;
    expect(page).toContain(`<form id="image-actions" method="post" hidden><input type="hidden" name="_csrf" value="${token}"><input type="hidden" name="next" value="/search?q=tabby"></form>`);
    const cards = page.match(/<li class="card [\s\S]*?<\/li>/g)!;
    expect(cards).toHaveLength(2);
    for (const card of cards) expect(card).not.toContain('_csrf');
    expect(page).toContain(`form="image-actions" formaction="/images/${pub.id}/visibility" name="visibility" value="private"`);
    expect(page).toContain(`form="image-actions" formaction="/images/${priv.id}/visibility" name="visibility" value="public"`);
    expect(page).toContain(`form="image-actions" formaction="/images/${priv.id}/delete"`);
  });

  it('when there are no images, then the page invites an upload', async () => {
    const res = await owner.get('/');
    expect(res.text).toContain('No images yet');
  });
});

describe('files, download, visibility and delete', () => {
  it('when a thumbnail, file or failing image request comes between a form POST and the page it redirects to, then the page still shows the message', async () => {
    const image = await uploadOne(owner, 'private');
    const _csrf = await csrfFrom(owner, `/images/${image.id}`);
    const res = await owner.post(`/images/${image.id}/visibility`).type('form').send({ _csrf, visibility: 'public' });
    expect(res.status).toBe(303);
    expect((await owner.get(`/images/${image.id}/thumb`)).status).toBe(200);
    expect((await owner.get(`/images/${image.id}`).set('Accept', 'application/json')).status).toBe(200);
    // An image that fails answers an HTML error page, which is still no page the user navigated to.
    const missing = await owner.get(`/images/${crypto.randomUUID()}/thumb`).set('Sec-Fetch-Dest', 'image');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('<html');
    const page = await owner.get(res.headers.location);
    expect(page.text).toContain('is now public.');
    expect((await owner.get(res.headers.location)).text).not.toContain('is now public.'); // shown once
  });

  it('when the database is slow to store a session, then the redirect after a form goes out only once its message is stored', async () => {
    let wait = () => Promise.resolve();
    const slow = await createTestApp({ wrapDb: (db) => ({ ...db, query: slowInsertsInto('sessions', db.query, () => wait()) }) });
    const server = slow.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { cookie, token } = await registerUser(base, 'slow');
      const form = new FormData();
      form.append('visibility', 'private');
      form.append('images', new Blob([new Uint8Array(await solidPng('#c0392b', 80, 60))], { type: 'image/png' }), 'photo.png');
      const stored = await fetch(`${base}/images`, { method: 'POST', headers: { cookie, 'x-csrf-token': token, accept: 'application/json' }, body: form });
      const { id } = (await stored.json()).results[0].image;

      wait = () => new Promise((r) => setTimeout(r, 500));
      // fetch resolves on the headers, and the next request goes at once: as a browser follows a redirect.
      const redirect = await fetch(`${base}/images/${id}/visibility`, {
        method: 'POST', redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, visibility: 'public' }),
      });
      expect(redirect.status).toBe(303);
      const page = await fetch(`${base}${redirect.headers.get('location')}`, { headers: { cookie } });
      expect(await page.text()).toContain('&#34;photo.png&#34; is now public.');
    } finally {
      server.close();
      await slow.close();
    }
  });

  it('when the owner downloads, then the bytes and the sanitised original name come back as an attachment', async () => {
    const data = await noiseImage('jpeg');
    const image = await uploadOne(owner, 'public', data, 'Holiday "beach" photo.jpg');
    const res = await other.get(`/images/${image.id}/download`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body as Buffer, data)).toBe(0);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="Holiday \\?"beach\\?" photo.jpg"/);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('when the thumbnail is fetched, then it is a WebP of at most 400 px', async () => {
    const image = await uploadOne(owner, 'public', await noiseImage('png', 1200, 600));
    const res = await owner.get(`/images/${image.id}/thumb`).buffer(true);
    expect(res.headers['content-type']).toBe('image/webp');
    const meta = await sharp(res.body as Buffer).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(400);
  });

  it('when another user asks for a private image anywhere, then every answer is the 404 of an unknown id', async () => {
    const priv = await uploadOne(owner, 'private');
    const unknown = crypto.randomUUID();
    const token = await csrfFrom(other, '/');
    for (const id of [priv.id, unknown]) {
      for (const path of ['', '/file', '/thumb', '/download']) {
        const res = await other.get(`/images/${id}${path}`);
        expect(res.status, `${path} of ${id === unknown ? 'unknown' : 'private'}`).toBe(404);
      }
      expect((await other.post(`/images/${id}/visibility`).type('form').send({ _csrf: token, visibility: 'public' })).status).toBe(404);
      expect((await other.post(`/images/${id}/delete`).type('form').send({ _csrf: token })).status).toBe(404);
    }
    expect(await t.rows`SELECT visibility FROM images`).toEqual([{ visibility: 'private' }]);
  });

  it('when another user tries to change a public image, then 403 and nothing changes', async () => {
    const pub = await uploadOne(owner, 'public');
    const token = await csrfFrom(other, '/');
    expect((await other.post(`/images/${pub.id}/visibility`).type('form').send({ _csrf: token, visibility: 'private' })).status).toBe(403);
    expect((await other.post(`/images/${pub.id}/delete`).type('form').send({ _csrf: token })).status).toBe(403);
    expect(await t.count('images')).toBe(1);
  });

  it('when the owner makes an image private, then others lose it and search terms follow', async () => {
    const image = await uploadOne(owner, 'public');
    const token = await csrfFrom(owner, '/');
    const res = await owner.post(`/images/${image.id}/visibility`).type('form').send({ _csrf: token, visibility: 'private', next: '/' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect((await other.get(`/images/${image.id}/file`)).status).toBe(404);
    expect(await t.rows`SELECT DISTINCT public FROM image_terms`).toEqual([{ public: 0 }]);
    const json = await owner.post(`/images/${image.id}/visibility`).set('Accept', 'application/json').set('X-CSRF-Token', token).type('form').send({ visibility: 'public' });
    expect(json.body.image.visibility).toBe('public');
    expect((await other.get(`/images/${image.id}/file`)).status).toBe(200);
  });

  it('when the visibility value is unknown, then 400 and nothing changes', async () => {
    const image = await uploadOne(owner, 'public');
    const token = await csrfFrom(owner, '/');
    const res = await owner.post(`/images/${image.id}/visibility`).type('form').send({ _csrf: token, visibility: 'secret' });
    expect(res.status).toBe(400);
    expect(await t.rows`SELECT visibility FROM images`).toEqual([{ visibility: 'public' }]);
  });

  it('when the owner deletes, then row, labels and terms go to the trash at once, and the files with the trash', async () => {
    const image = await uploadOne(owner, 'public');
    const token = await csrfFrom(owner, '/');
    const res = await owner.post(`/images/${image.id}/delete`).type('form').send({ _csrf: token, next: `/images/${image.id}`, confirmed: 'yes' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    for (const table of ['images', 'image_terms']) expect(await t.count(table)).toBe(0); // the labels are in the row
    expect(await t.storedFiles()).toHaveLength(2);
    expect((await emptyTrash(owner, [image.id])).status).toBe(200);
    expect(await t.storedFiles()).toEqual([]);
    expect((await owner.get(`/images/${image.id}`)).status).toBe(404);
  });

  it('when the image page is opened, then it shows the details and, to the owner only, the actions', async () => {
    const image = await uploadOne(owner, 'public', undefined, '<img src=x onerror=alert(1)>.png');
    const mine = await owner.get(`/images/${image.id}`);
    expect(mine.text).toContain('&lt;img src=x onerror=alert(1)&gt;.png');
    expect(mine.text).not.toContain('<img src=x');
    expect(mine.text).toContain(`/images/${image.id}/delete`);
    const theirs = await other.get(`/images/${image.id}`);
    expect(theirs.status).toBe(200);
    expect(theirs.text).not.toContain(`/images/${image.id}/delete`);
  });
});

/**
 * The database with every INSERT into `table` held back until `wait()` resolves before it runs (not after: a
 * write already made would be seen by the next request however late its answer came).
 */
function slowInsertsInto(table: string, query: Db['query'], wait: () => Promise<void>): Db['query'] {
  const held = <T extends object>(builder: T): T =>
    new Proxy(builder, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        if (typeof prop === 'string' && prop.startsWith('execute')) return async (...args: unknown[]) => (await wait(), value.apply(target, args));
        return (...args: unknown[]) => {
          const next: unknown = value.apply(target, args);
          return typeof next === 'object' && next !== null && 'execute' in next ? held(next) : next;
        };
      },
    });
  return new Proxy(query, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === 'insertInto') return (name: string) => (name === table ? held(target.insertInto(name as 'sessions')) : target.insertInto(name as 'sessions'));
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
