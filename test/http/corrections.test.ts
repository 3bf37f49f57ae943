// The owner corrects what the model and the colour reading said: their own tags (searchable at once, in full),
// a removed label (no longer found by it or by its more general words), a renamed colour; each records who and
// when, only the owner may make them, and `npm run reclassify` never undoes one.
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestApp, csrfFrom, reclassifyDeps, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { fakeClassifier } from '../helpers/fake-classifier.js';
import { solidPng } from '../helpers/fixtures.js';
import { reclassifyAll } from '../../src/images/reclassify.js';

type Agent = ReturnType<TestApp['agent']>;

let t: TestApp;
afterEach(() => t?.close());

const post = async (agent: Agent, url: string, body: object) => {
  const token = await csrfFrom(agent, '/upload'); // first: the request takes the agent's cookies when it is made
  return agent.post(url).set('X-CSRF-Token', token).set('Accept', 'application/json').send(body);
};
const getJson = (agent: Agent, url: string) => agent.get(url).set('Accept', 'application/json');
const found = async (agent: Agent, q: string) =>
  ((await getJson(agent, `/search?q=${encodeURIComponent(q)}`).expect(200)).body.images as { id: string; match: { terms: { term: string; strength: number }[] } }[]);

async function uploaded(agent: Agent, names: string[], visibility = 'public', colour = '#2050c0'): Promise<string[]> {
  const files = await Promise.all(names.map(async (name, i) => ({ name, data: await solidPng(colour, 40 + i, 30) })));
  const res = await upload(agent, files, visibility);
  expect(res.status).toBe(200);
  return res.body.results.map((r: { image: { id: string } }) => r.image.id);
}

describe('labels the owner can correct', () => {
  it('when the owner adds a tag, then search finds the image by it at full strength, for others too when public, and the tag shows apart from the model\'s labels', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const other = await signedInAgent(t, 'ilse');
    const [id, plain] = await uploaded(owner, ['harbour.png', 'plain.png']);
    expect(await found(owner, 'grandma')).toEqual([]);

    const res = await post(owner, `/images/${id}/tags`, { tag: '  Grandma   Rose ' });
    expect(res.status).toBe(200);
    expect(res.body.image.tags).toEqual([{ name: 'grandma rose', addedAt: new Date(t.clock.now()).toISOString() }]);
    expect(res.body.image.labels.map((l: { name: string }) => l.name)).toEqual(['tabby, tabby cat', 'Egyptian cat', 'tiger cat']);

    for (const agent of [owner, other]) {
      const hits = await found(agent, 'Grandma Rose');
      expect(hits.map((image) => image.id)).toEqual([id]);
      expect(hits[0].match.terms).toEqual([{ term: 'grandma rose', strength: 1 }]);
    }
    // A tag ranks first: it is the owner's word for the photo, stronger than any guess of the model.
    await post(owner, `/images/${plain}/tags`, { tag: 'cat' });
    expect((await found(owner, 'cat')).map((image) => image.id)).toEqual([plain, id]);

    const page = await owner.get(`/images/${id}`).expect(200);
    expect(page.text).toContain('<h2>Your tags</h2>');
    expect(page.text).toMatch(/<li class="tag own"[^>]*><a href="\/search\?q=grandma\+rose"><span class="tag-text">grandma rose<\/span>/);
    // Others see the tag, not when it was added.
    expect((await getJson(other, `/images/${id}`)).body.image.tags).toEqual([{ name: 'grandma rose' }]);
    const seen = await other.get(`/images/${id}`).expect(200);
    expect(seen.text).toContain('<h2>Tags by noor</h2>');
    // Others see the tag, not its controls.
    expect(seen.text).not.toContain('/tags/remove');
    expect(seen.text).not.toContain('class="add-tag');
  });

  it('when a tag is bad (empty, over 40 characters, a comma) or the image has 20, then a 400 says why and nothing changes', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const [id] = await uploaded(owner, ['a.png']);
    const cases = [
      ['   ', /Type a tag/], ['x'.repeat(41), /at most 40 characters/], ['red, blue', /comma/], [{ a: 1 }, /Type a tag/], [['a', 'b'], /Type a tag/],
      // Invisible: a zero-width space alone, or hiding in a tag that would look like another.
      ['\u200b', /invisible/], ['gran\u200bdma', /invisible/], ['\u202eevil', /invisible/],
      // Search reads #rrggbb as a colour, never as a word: such a tag could never be found.
      ['#A1B2C3', /colour code/],
    ] as const;
    for (const [tag, error] of cases) {
      const res = await post(owner, `/images/${id}/tags`, { tag });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    expect(await t.rows`SELECT id FROM images WHERE corrections IS NOT NULL`).toEqual([]);
    // 40 characters pass, counted as characters, not bytes or UTF-16 units (an emoji is one).
    expect((await post(owner, `/images/${id}/tags`, { tag: 'é'.repeat(40) })).status).toBe(200);
    expect((await post(owner, `/images/${id}/tags`, { tag: '🐈'.repeat(40) })).status).toBe(200);
    for (let i = 2; i < 20; i++) expect((await post(owner, `/images/${id}/tags`, { tag: `t${i}` })).status).toBe(200);
    // The same tag again changes nothing (a double click), even at the limit.
    expect((await post(owner, `/images/${id}/tags`, { tag: 't2' })).body.image.tags).toHaveLength(20);
    const full = await post(owner, `/images/${id}/tags`, { tag: 'one more' });
    expect(full.status).toBe(400);
    expect(full.body.error).toMatch(/at most 20 tags/);
    expect(await found(owner, 'one more')).toEqual([]);
  });

  it('when the owner removes a tag, then search stops finding the image by it', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const [id] = await uploaded(owner, ['a.png']);
    await post(owner, `/images/${id}/tags`, { tag: 'beach' });
    const res = await post(owner, `/images/${id}/tags/remove`, { tag: 'Beach' });
    expect(res.status).toBe(200);
    expect(res.body.image.tags).toEqual([]);
    expect(await found(owner, 'beach')).toEqual([]);
  });

  it('when the owner removes a label, then search no longer finds the image by it or by the more general words only it reached, the label can be put back, and the removal records when', async () => {
    t = await createTestApp({ classifier: fakeClassifier([{ name: 'zebra', probability: 0.7 }, { name: 'ostrich, Struthio camelus', probability: 0.2 }, { name: 'hartebeest', probability: 0.1 }]) });
    const owner = await signedInAgent(t, 'noor');
    const other = await signedInAgent(t, 'ilse');
    const [id] = await uploaded(owner, ['zebra.png']);
    expect((await found(owner, 'ostrich')).map((image) => image.id)).toEqual([id]);
    expect((await found(owner, 'bird')).map((image) => image.id)).toEqual([id]); // the ostrich alone is a bird

    const res = await post(owner, `/images/${id}/labels/remove`, { label: 'ostrich, Struthio camelus' });
    expect(res.status).toBe(200);
    expect(res.body.image.labels.map((l: { name: string }) => l.name)).toEqual(['zebra', 'hartebeest']);
    expect(res.body.image.corrections.removedLabels).toEqual([{ name: 'ostrich, Struthio camelus', removedAt: new Date(t.clock.now()).toISOString() }]);
    for (const agent of [owner, other]) {
      expect(await found(agent, 'ostrich')).toEqual([]);
      expect(await found(agent, 'bird')).toEqual([]);
      // "ungulate" is still reached through the two labels that remain.
      expect((await found(agent, 'ungulate')).map((image) => image.id)).toEqual([id]);
    }
    // Only the owner sees what they removed.
    expect((await getJson(other, `/images/${id}`)).body.image.corrections).toBeUndefined();
    expect((await getJson(other, `/images/${id}`)).body.image.labels).toHaveLength(2);
    expect((await owner.get(`/images/${id}`)).text).toMatch(/Removed by you: <span class="removed"[^>]*><s>ostrich<\/s> <button[^>]*formaction="\/images\/[^"]+\/labels\/restore" name="label" value="ostrich, Struthio camelus">Put back<\/button>/);
    const stored = await t.rows<{ corrections: string }>`SELECT corrections FROM images WHERE id = ${id}`;
    expect(JSON.parse(stored[0].corrections).removed).toEqual([{ name: 'ostrich, Struthio camelus', by: expect.any(Number), at: t.clock.now() }]);

    const unknown = await post(owner, `/images/${id}/labels/remove`, { label: 'lion, king of beasts, Panthera leo' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/not one of this image's labels/);

    const back = await post(owner, `/images/${id}/labels/restore`, { label: 'ostrich, Struthio camelus' });
    expect(back.body.image.labels.map((l: { name: string }) => l.name)).toEqual(['zebra', 'ostrich, Struthio camelus', 'hartebeest']);
    expect((await found(other, 'bird')).map((image) => image.id)).toEqual([id]);
  });

  it('when the owner renames the colour, then the image is found by the new name in full and no longer by the measured one, and "as measured" undoes it', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const [id] = await uploaded(owner, ['sea.png'], 'public', '#2050c0');
    expect((await found(owner, 'blue')).map((image) => image.id)).toEqual([id]);

    const res = await post(owner, `/images/${id}/colour`, { colour: 'teal' });
    expect(res.status).toBe(200);
    const { hex } = res.body.image.colour;
    expect(res.body.image.colour).toEqual({ name: 'teal', hex });
    expect(res.body.image.corrections.colour).toEqual({ name: 'teal', measured: 'blue', setAt: new Date(t.clock.now()).toISOString() });
    expect(await found(owner, 'blue')).toEqual([]);
    const teal = await found(owner, 'teal');
    expect(teal.map((image) => image.id)).toEqual([id]);
    expect(teal[0].match.terms).toEqual([{ term: 'teal', strength: 1 }]);
    // Its hex still finds it: the pixels did not change.
    expect((await found(owner, hex)).map((image) => image.id)).toEqual([id]);

    const bad = await post(owner, `/images/${id}/colour`, { colour: 'ultraviolet' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/Choose a colour: black, white/);

    const undone = await post(owner, `/images/${id}/colour`, { colour: '' });
    expect(undone.body.image.colour.name).toBe('blue');
    expect(undone.body.image.corrections.colour).toBeNull();
    expect((await found(owner, 'blue')).map((image) => image.id)).toEqual([id]);
    expect(await found(owner, 'teal')).toEqual([]);
  });

  it('when someone else tries a correction, then it is the 403 of another\'s image, or the 404 of an unknown id for a private one, and nothing changes', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const other = await signedInAgent(t, 'ilse');
    const [shown] = await uploaded(owner, ['shown.png']);
    const [hidden] = await uploaded(owner, ['hidden.png'], 'private');
    const tries = [['tags', { tag: 'mine now' }], ['tags/remove', { tag: 'x' }], ['labels/remove', { label: 'tabby, tabby cat' }], ['labels/restore', { label: 'x' }], ['colour', { colour: 'red' }]] as const;
    for (const [path, body] of tries) {
      expect((await post(other, `/images/${shown}/${path}`, body)).status).toBe(403);
      expect((await post(other, `/images/${hidden}/${path}`, body)).status).toBe(404);
    }
    expect(await t.rows`SELECT id FROM images WHERE corrections IS NOT NULL`).toEqual([]);
    // And a form without its token changes nothing.
    expect((await other.post(`/images/${shown}/tags`).type('form').send({ tag: 'x' })).status).toBe(403);
  });

  it('without JavaScript, then the add-tag form posts and comes back to the page with a note', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const [id] = await uploaded(owner, ['a.png']);
    const _csrf = await csrfFrom(owner, `/images/${id}`);
    const res = await owner.post(`/images/${id}/tags`).type('form').send({ _csrf, tag: 'picnic', next: `/images/${id}` });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/images/${id}`);
    const page = await owner.get(`/images/${id}`);
    expect(page.text).toContain('Tagged &#34;picnic&#34;.');
    expect(page.text).toContain('<span class="tag-text">picnic</span>');
  });

  it('when the image is reclassified, then the owner\'s tags, removed labels and colour stay, applied to the new labels', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const [id] = await uploaded(owner, ['a.png']);
    await post(owner, `/images/${id}/tags`, { tag: 'whiskers' });
    await post(owner, `/images/${id}/labels/remove`, { label: 'Egyptian cat' });
    await post(owner, `/images/${id}/colour`, { colour: 'purple' });
    // As an image stored without a model: `npm run reclassify` labels it again.
    await sql`UPDATE images SET classified = 0`.execute(t.db.query);
    const classifier = fakeClassifier([{ name: 'Egyptian cat', probability: 0.5 }, { name: 'lynx, catamount', probability: 0.4 }, { name: 'tabby, tabby cat', probability: 0.1 }]);
    expect(await reclassifyAll({ ...reclassifyDeps(t), classifier })).toEqual({ classified: 1, failed: 0 });

    const { image } = (await getJson(owner, `/images/${id}`)).body;
    expect(image.labels.map((l: { name: string }) => l.name)).toEqual(['lynx, catamount', 'tabby, tabby cat']);
    expect(image.tags.map((tag: { name: string }) => tag.name)).toEqual(['whiskers']);
    expect(image.colour.name).toBe('purple');
    expect((await found(owner, 'lynx')).map((i) => i.id)).toEqual([id]);
    expect(await found(owner, 'egyptian cat')).toEqual([]);
    expect((await found(owner, 'whiskers')).map((i) => i.id)).toEqual([id]);
    expect((await found(owner, 'purple')).map((i) => i.id)).toEqual([id]);
  });

  it('when a corrected image goes to the trash and comes back, then its corrections come back with it', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const [id] = await uploaded(owner, ['a.png']);
    await post(owner, `/images/${id}/tags`, { tag: 'keepsake' });
    await post(owner, `/images/${id}/delete`, {});
    expect(await found(owner, 'keepsake')).toEqual([]);
    await post(owner, '/trash/restore', { ids: [id] });
    expect((await found(owner, 'keepsake')).map((i) => i.id)).toEqual([id]);
    // A trashed image cannot be corrected: it is gone.
    await post(owner, `/images/${id}/delete`, {});
    expect((await post(owner, `/images/${id}/tags`, { tag: 'x' })).status).toBe(404);
  });
});

describe('a tag for many images at once', () => {
  it('when the owner tags a selection, then one request tags their own images (others\' left as they are), search finds all of them, and a repeat changes nothing', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const other = await signedInAgent(t, 'ilse');
    const mine = await uploaded(owner, ['a.png', 'b.png', 'c.png']);
    const [private_] = await uploaded(owner, ['p.png'], 'private');
    const [theirs] = await uploaded(other, ['t.png']);
    const res = await post(owner, '/selection/tag', { ids: [...mine, private_, theirs], tag: 'Summer 2026' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tag: 'summer 2026', others: 1, unseen: 0, full: [] });
    expect([...res.body.tagged].sort()).toEqual([...mine, private_].sort());
    expect((await found(owner, 'summer 2026')).map((i) => i.id).sort()).toEqual([...mine, private_].sort());
    // The private one stays the owner's to find.
    expect((await found(other, 'summer 2026')).map((i) => i.id).sort()).toEqual([...mine].sort());
    expect((await getJson(other, `/images/${theirs}`)).body.image.tags).toEqual([]);

    const again = await post(owner, '/selection/tag', { ids: mine, tag: 'summer 2026' });
    expect([...again.body.tagged].sort()).toEqual([...mine].sort());
    expect((await getJson(owner, `/images/${mine[0]}`)).body.image.tags).toHaveLength(1);
    // A tag is still the owner's to remove one by one, and the terms written in bulk go with it.
    await post(owner, `/images/${mine[0]}/tags/remove`, { tag: 'summer 2026' });
    expect((await found(owner, 'summer 2026')).map((i) => i.id)).not.toContain(mine[0]);

    expect((await post(other, '/selection/tag', { ids: mine, tag: 'x' })).status).toBe(403);
    expect((await post(owner, '/selection/tag', { ids: mine, tag: '' })).status).toBe(400);
  });

  it('when an image of the selection has 20 tags, then it is left without the new one and the answer says so', async () => {
    t = await createTestApp();
    const owner = await signedInAgent(t, 'noor');
    const [full, room] = await uploaded(owner, ['full.png', 'room.png']);
    for (let i = 0; i < 20; i++) await post(owner, `/images/${full}/tags`, { tag: `t${i}` });
    const res = await post(owner, '/selection/tag', { ids: [full, room], tag: 'new' });
    expect(res.body).toMatchObject({ tagged: [room], full: [full] });
    const _csrf = await csrfFrom(owner, '/');
    const form = await owner.post('/selection/tag').type('form').send({ _csrf, ids: [full, room], tag: 'newer', next: '/' });
    expect(form.status).toBe(303);
    expect((await owner.get('/')).text).toContain('Tagged 1 image &#34;newer&#34;. 1 image has 20 tags already and did not get it.');
  });
});
