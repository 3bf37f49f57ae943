import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type request from 'supertest';
import { createTestApp, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { fakeClassifier } from '../helpers/fake-classifier.js';
import { solidPng } from '../helpers/fixtures.js';
import type { Compilable } from 'kysely';
import { createImagesRepo, selectImages, visibleTo } from '../../src/images/images-repo.js';
import { COUNT_CAP, searchQueries } from '../../src/search/search-repo.js';
import { onPostgres } from '../helpers/backend.js';
import type { Label } from '../../src/images/classifier.js';

let t: TestApp;
let alice: request.Agent;
let bob: request.Agent;
beforeEach(async () => {
  t = await createTestApp();
  alice = await signedInAgent(t, 'alice');
  bob = await signedInAgent(t, 'bob');
});
afterEach(() => t.close());

/** Inserts through the repository, as an upload would, with chosen labels and colour. */
function add(ownerId: number, owner: string, labels: string[], colour: [string, string] = ['red', '#c0392b'], visibility: 'public' | 'private' = 'public') {
  const repo = createImagesRepo(t.db);
  const ls: Label[] = labels.map((name, i) => ({ name, probability: 0.5 / (i + 1) }));
  return repo.insert(
    { id: crypto.randomUUID(), visibility, originalName: 'x.png', format: 'png', bytes: 1, width: 1, height: 1, colourName: colour[0], colourHex: colour[1], createdAt: 0 },
    { id: ownerId, username: owner },
    ls,
  );
}
const ALICE = 1;
const BOB = 2;

async function ids(agent: request.Agent, q: string) {
  const res = await agent.get(`/search?q=${encodeURIComponent(q)}`).set('Accept', 'application/json');
  expect(res.status).toBe(200);
  return { ids: res.body.images.map((i: { id: string }) => i.id) as string[], body: res.body };
}

describe('what a term matches', () => {
  it('when the term is a colour name or exact hex, then images of that colour match', async () => {
    const red = await add(ALICE, 'alice', ['macaw'], ['red', '#c0392b']);
    await add(ALICE, 'alice', ['macaw'], ['blue', '#2255cc']);
    expect((await ids(alice, 'red')).ids).toEqual([red.id]);
    expect((await ids(alice, '#C0392B')).ids).toEqual([red.id]);
    expect((await ids(alice, '#c0392')).ids).toEqual([]);
  });

  it('when the term is any synonym of a label, as a whole phrase, then it matches', async () => {
    const tabby = await add(ALICE, 'alice', ['tabby, tabby cat']);
    expect((await ids(alice, 'tabby')).ids).toEqual([tabby.id]);
    expect((await ids(alice, 'Tabby Cat')).ids).toEqual([tabby.id]);
    expect((await ids(alice, 'tabb')).ids).toEqual([]);
  });

  it('when the term is a general word (hypernym), then specific classes match: dog, cat, bird, wine', async () => {
    const greyhound = await add(ALICE, 'alice', ['Italian greyhound']);
    const egyptian = await add(ALICE, 'alice', ['Egyptian cat']);
    const macaw = await add(ALICE, 'alice', ['macaw']);
    const wine = await add(ALICE, 'alice', ['red wine']);
    expect((await ids(alice, 'dog')).ids).toEqual([greyhound.id]);
    expect((await ids(alice, 'cat')).ids).toEqual([egyptian.id]);
    expect((await ids(alice, 'bird')).ids).toEqual([macaw.id]);
    expect((await ids(alice, 'wine')).ids).toEqual([wine.id]);
  });

  it('when a word is only part of a longer name, then it does not match (cat vs catamaran, red vs red wine)', async () => {
    await add(ALICE, 'alice', ['catamaran'], ['blue', '#2255cc']);
    await add(ALICE, 'alice', ['red wine'], ['purple', '#6a1b4d']);
    expect((await ids(alice, 'cat')).ids).toEqual([]);
    expect((await ids(alice, 'red')).ids).toEqual([]);
  });

  it('when the term is the uploader or the image id (full or a 6+ character prefix), then it matches', async () => {
    const mine = await add(ALICE, 'alice', ['macaw']);
    const bobs = await add(BOB, 'bob', ['macaw']);
    expect((await ids(alice, 'BOB')).ids).toEqual([bobs.id]);
    expect((await ids(alice, mine.id.toUpperCase())).ids).toEqual([mine.id]);
    expect((await ids(alice, mine.id.slice(0, 6))).ids).toEqual([mine.id]);
    expect((await ids(alice, mine.id.slice(0, 5))).ids).toEqual([]);
  });
});

describe('union, order, counts, pages', () => {
  it('when several terms are given, then an image matching any of them is found once, best match first, and counted once', async () => {
    const a = await add(ALICE, 'alice', ['macaw'], ['red', '#ff0000']);
    const b = await add(ALICE, 'alice', ['Italian greyhound'], ['blue', '#0000ff']);
    const c = await add(ALICE, 'alice', ['Egyptian cat'], ['green', '#00ff00']);
    const { ids: found, body } = await ids(alice, 'dog, red,, BIRD ,nothing');
    // The macaw is a bird (0.5) and red (its colour tag, counted as half the image): 1 against the greyhound's 0.5.
    expect(found).toEqual([a.id, b.id]);
    const newest = await alice.get('/search?q=dog,red,bird&sort=newest').set('Accept', 'application/json');
    expect(newest.body.images.map((i: { id: string }) => i.id)).toEqual([b.id, a.id]);
    expect(body).toMatchObject({ total: 2, page: 1, pages: 1, query: 'dog, red, bird, nothing', terms: ['dog', 'red', 'bird', 'nothing'] });
    // Everything is alice's (1 each); the cat is also a green cat (1 + 0.5 + 0.5); the other two tie, newest first.
    expect((await ids(alice, 'cat, green, alice')).ids).toEqual([c.id, b.id, a.id]);
  });

  it('when results span pages, then Older/Newer keep the query and walk every match once', async () => {
    for (let i = 0; i < 60; i++) await add(ALICE, 'alice', [i % 2 ? 'macaw' : 'Italian greyhound'], ['red', '#ff0000']);
    await add(ALICE, 'alice', ['catamaran'], ['blue', '#0000ff']);
    const first = await ids(alice, 'bird, dog');
    expect(first.body.total).toBe(60);
    expect(first.ids).toHaveLength(48);
    expect(first.body.older).toMatch(/^\/search\?q=bird%2C\+dog&page=2&before=[\w-]{30,}$/);
    const second = await alice.get(first.body.older).set('Accept', 'application/json');
    expect(second.body.images).toHaveLength(12);
    expect(new Set([...first.ids, ...second.body.images.map((i: { id: string }) => i.id)]).size).toBe(60);
    const typed = await alice.get('/search?q=bird,dog&page=2').set('Accept', 'application/json');
    expect(typed.body.images.map((i: { id: string }) => i.id)).toEqual(second.body.images.map((i: { id: string }) => i.id));
  });

  it('when more than 1,000 images match, then the count says "more than 1,000" and Older still walks past it', async () => {
    const insertMany = async (n: number, label: string) => {
      for (let i = 0; i < n; i++) await add(ALICE, 'alice', [label], ['blue', '#0000ff']);
    };
    await insertMany(COUNT_CAP, 'macaw');
    const exact = await ids(alice, 'bird');
    expect(exact.body).toMatchObject({ total: COUNT_CAP, totalExact: true, pages: Math.ceil(COUNT_CAP / 48) });

    await insertMany(1, 'Italian greyhound');
    await insertMany(1, 'macaw');
    const many = await ids(alice, 'bird, dog');
    expect(many.body).toMatchObject({ total: COUNT_CAP, totalExact: false, pages: null });
    expect((await ids(alice, 'bird')).body).toMatchObject({ totalExact: false, pages: null });
    const page = await alice.get('/search?q=bird,dog');
    expect(page.text).toContain('More than 1,000 images match "bird, dog"');
    expect(page.text).toMatch(/Page 1<\/span>/);

    // The matches past the first 1,000 are still reached, page by page, through the Older links.
    let next: string | undefined = many.body.older;
    const seen = new Set<string>(many.ids);
    for (let pageNo = 2; next; pageNo++) {
      const res = await alice.get(next).set('Accept', 'application/json');
      expect(res.body.page).toBe(pageNo);
      for (const image of res.body.images as { id: string }[]) seen.add(image.id);
      next = res.body.older;
    }
    expect(seen.size).toBe(COUNT_CAP + 2);
  });

  it('when the HTML page is asked for, then it says how many match and keeps the query in the box', async () => {
    await add(ALICE, 'alice', ['macaw']);
    const res = await alice.get('/search?q=Bird,red');
    expect(res.text).toContain('1 image matches "bird, red"');
    // The box keeps what the user typed; the summary shows the terms as understood.
    expect(res.text).toContain('name="q" value="Bird,red"');
  });

  it('when the details show their tags, then only details asked for with a query give them a "+" that adds to it', async () => {
    const image = await add(ALICE, 'alice', ['macaw']);
    // The viewer asks for an image's details with the search of the page it opens on.
    const search = (await alice.get(`/images/${image.id}?q=Bird,red`)).text;
    expect(search).toContain('<a href="/search?q=macaw">macaw</a>');
    expect(search).toContain('<a class="add-term" href="/search?q=Bird,red,+macaw" aria-label="Add macaw to the search">+</a>');
    expect(search).toContain('shift-click it or use its + to add it to this search');
    // Without a query a "+" would go where the tag itself goes.
    const plain = (await alice.get(`/images/${image.id}`)).text;
    expect(plain).toContain('<a href="/search?q=macaw">macaw</a>');
    expect(plain).not.toContain('class="add-term"');
    expect(plain).not.toContain('shift-click');
    // The grid carries no tags at all: they are in the viewer.
    expect((await alice.get('/search?q=Bird,red')).text).not.toContain('class="tag');
  });

  it('when nothing matches, then the page says so and suggests clicking a tag', async () => {
    const res = await alice.get('/search?q=zebra');
    expect(res.text).toContain('0 images match');
    expect(res.text).toContain('click a tag');
  });

  it('when the query is empty or only commas, then the gallery is shown', async () => {
    for (const q of ['', ',,,', '  ']) {
      const res = await alice.get(`/search?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/');
    }
  });
});

describe('privacy', () => {
  it('when another user has a private image, then search never shows it, counts it, or reveals it by id', async () => {
    const secret = await add(BOB, 'bob', ['macaw'], ['red', '#ff0000'], 'private');
    const open = await add(BOB, 'bob', ['macaw'], ['red', '#ff0000'], 'public');
    for (const q of ['bird', 'red', 'bob', secret.id, secret.id.slice(0, 8), `${secret.id}, macaw`]) {
      const { ids: found, body } = await ids(alice, q);
      expect(found, q).not.toContain(secret.id);
      expect(body.total, q).toBe(found.length);
      const html = await alice.get(`/search?q=${encodeURIComponent(q)}`);
      expect(html.text).not.toContain(`id="image-${secret.id}"`);
      expect(html.text).not.toContain(`/images/${secret.id}/thumb`);
    }
    expect((await ids(bob, 'bird')).ids).toEqual([open.id, secret.id]);
  });

  it('when an image is made private, then it leaves other users\' search results', async () => {
    const res = await upload(bob, [{ name: 'a.png', data: await solidPng('#ff0000') }]);
    const id = res.body.results[0].image.id;
    expect((await ids(alice, 'red')).ids).toEqual([id]);
    const repo = createImagesRepo(t.db);
    await repo.setVisibility((await repo.findVisible(id, BOB))!, 'private');
    expect((await ids(alice, 'red')).body.total).toBe(0);
  });
});

describe('bad input never breaks search', () => {
  it.each([
    ["' OR 1=1 --"], ['<script>alert(1)</script>'], ['%'], ['_'], ['%,_'], ['猫, 🐱, ñandú'], ['\u0000'], ['a'.repeat(5000)],
    [Array.from({ length: 300 }, (_, i) => `t${i}`).join(',')],
  ])('when the query is %j, then the answer is a correct, escaped page', async (q) => {
    await add(ALICE, 'alice', ['macaw']);
    const res = await alice.get(`/search?q=${encodeURIComponent(q)}`);
    expect([200, 303]).toContain(res.status);
    if (res.status === 200) {
      expect(res.text).toContain('0 images match');
      expect(res.text).not.toContain('<script>alert(1)</script>');
    }
  });

  it('when q is given twice, then it is treated as no query', async () => {
    const res = await alice.get('/search?q=a&q=b');
    expect(res.status).toBe(303);
  });
});

// SQLite's planner, read from the very statements the repository runs. (PostgreSQL plans by statistics, so
// a handful of rows says nothing about 100,000: there the bench's search figure is the check.)
describe.skipIf(onPostgres)('query plan', () => {
  const planOf = (query: Compilable) => {
    const { sql, parameters } = query.compile();
    return (t.db.sqlite!.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[]).map((p) => p.detail).join('\n');
  };
  const queries = () => searchQueries(t.db);
  const range = { term: 'dog', viewer: 1, cursor: 99, limit: 49 };
  const raw = (query: { compile(db: typeof t.db.query): unknown }) => ({ compile: () => query.compile(t.db.query) }) as Compilable;

  it.each(['publicOlder', 'publicNewer'] as const)('when the %s range of a term is read, then SQLite walks the primary key from the public rows only, with no sort', (name) => {
    const details = planOf(queries()[name](range));
    expect(details).toMatch(/SEARCH image_terms USING PRIMARY KEY \(term=\? AND public=\? AND image_seq[<>]\?\)/);
    expect(details).not.toMatch(/SCAN|TEMP B-TREE/);
  });

  it.each(['ownOlder', 'ownNewer'] as const)('when the %s range of a term is read, then SQLite walks only the viewer\'s private rows, with no sort', (name) => {
    const details = planOf(queries()[name](range));
    expect(details).toMatch(/SEARCH image_terms USING (COVERING )?INDEX image_terms_private \(term=\? AND owner_id=\? AND image_seq[<>]\?\)/);
    expect(details).not.toMatch(/SCAN|TEMP B-TREE/);
  });

  it('when matches are counted, then each term is read through the same two ranges', () => {
    const one = planOf(raw(queries().countOne('dog', 1, 1001)));
    expect(one).toMatch(/USING (PRIMARY KEY|COVERING INDEX image_terms_ranked) \(term=\? AND public=\?\)/);
    expect(one).toMatch(/USING (COVERING )?INDEX image_terms_private(_ranked)? \(term=\? AND owner_id=\?\)/);
    expect(one).not.toMatch(/SCAN image_terms/);
    const many = planOf(raw(queries().countMany(['dog', 'red'], 1, 1001)));
    expect(many).toMatch(/USING (PRIMARY KEY|COVERING INDEX image_terms_ranked) \(term=\? AND public=\?\)/);
    expect(many).toMatch(/USING (COVERING )?INDEX image_terms_private(_ranked)? \(term=\? AND owner_id=\?\)/);
    expect(many).not.toMatch(/SCAN image_terms/);
    // Streamed up to the cap, not every match sorted first.
    expect(many).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
  });

  it('when a gallery page is read, then it walks images by seq with no sort', () => {
    const page = selectImages(t.db.query).where(visibleTo(t.db, 1)).where('i.seq', '<', 500).orderBy('i.seq', 'desc').limit(49);
    const details = planOf(page);
    expect(details).toMatch(/SEARCH i USING INTEGER PRIMARY KEY \(rowid<\?\)/);
    expect(details).not.toMatch(/TEMP B-TREE/);
  });
});

describe('labels from reclassify', () => {
  it('when an image gets labels later, then its terms follow', async () => {
    const noModel = await createTestApp({ classifier: undefined });
    const agent = await signedInAgent(noModel, 'carl');
    const res = await upload(agent, [{ name: 'a.png', data: await solidPng('#ffffff') }]);
    const image = res.body.results[0].image;
    const repo = createImagesRepo(noModel.db);
    const seq = (await repo.findVisible(image.id, 1))!.seq;
    await repo.setLabels(seq, await fakeClassifier([{ name: 'macaw', probability: 0.9 }, { name: 'toucan', probability: 0.05 }, { name: 'lorikeet', probability: 0.01 }]).classify(new Uint8Array(224 * 224 * 3)));
    const found = await agent.get('/search?q=bird').set('Accept', 'application/json');
    expect(found.body.images.map((i: { id: string }) => i.id)).toEqual([image.id]);
    expect(found.body.images[0].labels[0].name).toBe('macaw');
    await noModel.close();
  });
});
