import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type request from 'supertest';
import type { Compilable } from 'kysely';
import { sql } from 'kysely';
import { createTestApp, signedInAgent, type TestApp } from '../helpers/app.js';
import { onPostgres } from '../helpers/backend.js';
import { createImagesRepo } from '../../src/images/images-repo.js';
import { rankStale } from '../../src/images/ranker.js';
import { searchQueries } from '../../src/search/search-repo.js';

let t: TestApp;
let alice: request.Agent;
let bob: request.Agent;
beforeEach(async () => {
  t = await createTestApp();
  alice = await signedInAgent(t, 'alice');
  bob = await signedInAgent(t, 'bob');
});
afterEach(() => t.close());

const ALICE = { id: 1, username: 'alice' };
const BOB = { id: 2, username: 'bob' };
let clock = 0;

type Colour = { name: string; hex: string; share: number };
/** Inserts as an upload would, with chosen labels ([name, probability]) and palette; each one newer than the last. */
function add(owner: typeof ALICE, labels: [string, number][], palette: Colour[] = [{ name: 'gray', hex: '#808080', share: 1 }], visibility: 'public' | 'private' = 'public') {
  return createImagesRepo(t.db).insert(
    {
      id: crypto.randomUUID(), visibility, originalName: 'x.jpg', format: 'jpeg', bytes: 1, width: 4, height: 3,
      colourName: palette[0]!.name, colourHex: palette[0]!.hex, createdAt: ++clock, palette,
    },
    owner,
    labels.map(([name, probability]) => ({ name, probability })),
  );
}

type Found = { id: string; match: { score: number; terms: { term: string; strength: number }[] } };
async function search(agent: request.Agent, q: string, extra = '') {
  const res = await agent.get(`/search?q=${encodeURIComponent(q)}${extra}`).set('Accept', 'application/json');
  expect(res.status, res.text).toBe(200);
  return { ids: (res.body.images as Found[]).map((i) => i.id), images: res.body.images as Found[], body: res.body };
}

/** Every page by its Next links, then back by Previous: the ids of each page, both ways. */
async function walk(agent: request.Agent, first: string) {
  const pages: string[][] = [];
  const links: string[] = [];
  let url: string | undefined = first;
  let last: { newer?: string } = {};
  while (url) {
    const res: request.Response = await agent.get(url).set('Accept', 'application/json');
    expect(res.status, res.text).toBe(200);
    pages.push(res.body.images.map((i: { id: string }) => i.id));
    links.push(url);
    last = res.body;
    url = res.body.older;
  }
  const back: string[][] = [];
  url = last.newer;
  while (url) {
    const res: request.Response = await agent.get(url).set('Accept', 'application/json');
    back.unshift(res.body.images.map((i: { id: string }) => i.id));
    url = res.body.newer;
  }
  return { pages, back, links };
}

describe('best match first', () => {
  it('when a zebra has "ostrich" as a 0.3% third guess, then "bird" puts the macaw first and shows the zebra\'s match as weak', async () => {
    const macaw = await add(ALICE, [['macaw', 0.9], ['toucan', 0.05]]);
    const zebra = await add(ALICE, [['zebra', 0.95], ['hartebeest', 0.02], ['ostrich, Struthio camelus', 0.003]]);
    const { ids, images } = await search(alice, 'bird');
    expect(ids).toEqual([macaw.id, zebra.id]);
    // The macaw's "bird" is its two birds' probabilities added.
    expect(images[0]!.match).toEqual({ score: 100.95, terms: [{ term: 'bird', strength: 0.95 }] });
    expect(images[1]!.match.terms).toEqual([{ term: 'bird', strength: 0.003 }]);
    const html = (await alice.get('/search?q=bird')).text;
    expect(html).toContain('<span class="hit">bird 95%</span>');
    expect(html).toContain('<span class="hit weak">bird &lt;1%</span>');
  });

  it('when a word is reached through two labels (two dog breeds), then their probabilities add up', async () => {
    const mixed = await add(ALICE, [['Italian greyhound', 0.4], ['whippet', 0.35], ['tabby, tabby cat', 0.2]]);
    const sure = await add(ALICE, [['beagle', 0.6], ['tabby, tabby cat', 0.3]]);
    expect((await search(alice, 'dog')).ids).toEqual([mixed.id, sure.id]);
    expect((await search(alice, 'dog')).images[0]!.match.score).toBe(100.75);
  });

  it('when two terms are given, then the images that surely match both come before those that match one, however surely or newly', async () => {
    const both = await add(ALICE, [['Boston bull, Boston terrier', 0.2]], [{ name: 'green', hex: '#228b22', share: 0.1 }]);
    await add(ALICE, [['Boston bull, Boston terrier', 0.99]], [{ name: 'gray', hex: '#808080', share: 1 }]);
    await add(ALICE, [['tree frog, tree-frog', 0.9]], [{ name: 'green', hex: '#228b22', share: 0.95 }]);
    // A 1% guess matches, but is not a sure match: it does not lift an image over a sure one.
    await add(ALICE, [['tree frog, tree-frog', 0.9], ['Boston bull, Boston terrier', 0.01]], [{ name: 'green', hex: '#228b22', share: 0.5 }]);
    const { ids, images } = await search(alice, 'green, Boston bull');
    expect(ids[0]).toBe(both.id);
    expect(images[0]!.match.terms).toEqual([{ term: 'green', strength: 0.1 }, { term: 'boston bull', strength: 0.2 }]);
    expect(images.map((i) => i.match.score)).toEqual([200.3, 100.99, 100.95, 100.51]);
  });

  it('when a term first matched nothing and now does, then the next search ranks by it at once', async () => {
    const green = { name: 'green', hex: '#228b22', share: 0.9 };
    // More than a page of images that match two of the terms.
    for (let i = 0; i < 49; i++) await add(ALICE, [['Boston bull, Boston terrier', 0.9]], [green]);
    expect((await search(alice, 'cat, dog, green')).body.total).toBe(49);
    // Weaker on every term, but the only one that matches all three.
    const all = await add(ALICE, [['tabby, tabby cat', 0.3], ['Boston bull, Boston terrier', 0.3]], [{ ...green, share: 0.3 }]);
    const { ids, images } = await search(alice, 'cat, dog, green');
    expect(ids[0]).toBe(all.id);
    expect(images.slice(0, 2).map((i) => i.match.score)).toEqual([300.9, 201.8]);
  });

  it('when scores tie, then the newer upload comes first', async () => {
    const older = await add(ALICE, [['macaw', 0.5]]);
    const newer = await add(ALICE, [['macaw', 0.5]]);
    expect((await search(alice, 'macaw')).ids).toEqual([newer.id, older.id]);
  });

  it('when "newest" is chosen, then the same matches come newest first, in the URL and the JSON', async () => {
    const strong = await add(ALICE, [['macaw', 0.9]]);
    const weak = await add(ALICE, [['ostrich, Struthio camelus', 0.1]]);
    expect((await search(alice, 'bird')).ids).toEqual([strong.id, weak.id]);
    const newest = await search(alice, 'bird', '&sort=newest');
    expect(newest.ids).toEqual([weak.id, strong.id]);
    expect(newest.body.sort).toBe('newest');
    expect((await search(alice, 'bird')).body.sort).toBe('relevance');
    const html = (await alice.get('/search?q=bird')).text;
    expect(html).toContain('<a href="/search?q=bird" aria-current="page">Best match</a>');
    expect(html).toContain('<a href="/search?q=bird&amp;sort=newest">Uploaded</a>');
    expect((await alice.get('/search?q=bird&sort=best')).status).toBe(400);
    expect((await alice.get('/?sort=relevance')).status).toBe(400);
  });
});

describe('words and colours as people type them', () => {
  it('when a plural or another inflection is typed, then it finds the singular: dogs, foxes, geese, mice', async () => {
    const dog = await add(ALICE, [['beagle', 0.9]]);
    const fox = await add(ALICE, [['red fox, Vulpes vulpes', 0.9]]);
    const goose = await add(ALICE, [['goose', 0.9]]);
    const mouse = await add(ALICE, [['mouse, computer mouse', 0.9]]);
    expect((await search(alice, 'dogs')).ids).toEqual([dog.id]);
    expect((await search(alice, 'foxes')).ids).toEqual([fox.id]);
    expect((await search(alice, 'geese')).ids).toEqual([goose.id]);
    expect((await search(alice, 'mice')).ids).toEqual([mouse.id]);
    expect((await search(alice, 'dogs')).images[0]!.match.terms).toEqual([{ term: 'dogs', strength: 0.9 }]);
  });

  it('when an id prefix of 6 characters is typed, then it finds the image', async () => {
    const image = await add(ALICE, [['macaw', 0.9]]);
    expect((await search(alice, image.id.slice(0, 6))).ids).toEqual([image.id]);
    expect((await search(alice, image.id.slice(0, 5))).ids).toEqual([]);
  });

  it('when the red macaw sits on a white background, then "red" finds it through its palette, ranked by the share red covers', async () => {
    const macaw = await add(ALICE, [['macaw', 0.9]], [{ name: 'white', hex: '#f8f8f8', share: 0.7 }, { name: 'red', hex: '#c81e1e', share: 0.2 }]);
    const tomato = await add(ALICE, [['bell pepper', 0.9]], [{ name: 'red', hex: '#d01010', share: 0.8 }]);
    await add(ALICE, [['macaw', 0.9]], [{ name: 'blue', hex: '#2050c0', share: 0.9 }]);
    const { ids, images } = await search(alice, 'red');
    expect(ids).toEqual([tomato.id, macaw.id]);
    expect(images[1]!.match.terms).toEqual([{ term: 'red', strength: 0.2 }]);
  });

  it('when a #rrggbb colour is searched, then images with a perceptually near colour come nearest first, and far ones not at all', async () => {
    // Stored colours are histogram bin centres (each channel 16k + 8), as the palette makes them.
    const exact = await add(ALICE, [], [{ name: 'red', hex: '#c83828', share: 0.3 }]);
    const near = await add(ALICE, [], [{ name: 'red', hex: '#b83828', share: 0.9 }]);
    await add(ALICE, [], [{ name: 'blue', hex: '#2858c8', share: 0.9 }]);
    await add(ALICE, [], [{ name: 'orange', hex: '#f89808', share: 0.9 }]);
    const { ids, images, body } = await search(alice, '#C83828');
    expect(ids).toEqual([exact.id, near.id]);
    expect(images[0]!.match).toEqual({ score: 101, terms: [{ term: '#c83828', strength: 1 }] });
    expect(images[1]!.match.terms[0]!.strength).toBeLessThan(1);
    expect(body.total).toBe(2);
    expect((await search(alice, '#c83828', '&sort=newest')).ids).toEqual([near.id, exact.id]);
    // A colour between centres finds the centres near it.
    expect(new Set((await search(alice, '#c0392b')).ids)).toEqual(new Set([exact.id, near.id]));
  });
});

describe('pages', () => {
  /**
   * 130 images over two terms with many distinct and some equal scores; `both` of every 3 also match "dog"
   * (1: the images both terms match fill less than a page; 2: nearly two pages, and some only weakly).
   */
  async function library(both = 1) {
    for (let i = 0; i < 130; i++) {
      const labels: [string, number][] = [['macaw', ((i * 37) % 50) / 100 + 0.01]];
      if (i % 3 < both) labels.push(['beagle', ((i * 11) % 7) / 20 + (i % 5 ? 0.05 : 0.01)]);
      await add(i % 4 ? ALICE : BOB, labels);
    }
  }

  it.each([1, 2])('when ranked results span pages (library %i), then Next and Previous walk them in (score, seq) order without gaps or repeats', async (both) => {
    await library(both);
    // Bob's private images match both terms best of all, and must change nothing for Alice.
    for (let i = 0; i < 5; i++) await add(BOB, [['macaw', 0.6], ['beagle', 0.3]], undefined, 'private');
    const all = await t.db.query.selectFrom('image_terms').select(['image_seq', sql<number>`sum(strength)`.as('score')])
      .where('term', 'in', ['bird', 'dog']).where('public', '=', 1).groupBy('image_seq').execute();
    const order = all.sort((a, b) => Number(b.score) - Number(a.score) || b.image_seq - a.image_seq).map((r) => r.image_seq);
    const { pages, back } = await walk(alice, '/search?q=bird,dog');
    expect(pages.map((p) => p.length)).toEqual([48, 48, 34]);
    expect(back).toEqual(pages.slice(0, -1));
    const repo = createImagesRepo(t.db);
    const seqs = await Promise.all(pages.flat().map(async (id) => (await repo.findVisible(id, 1))!.seq));
    expect(seqs).toEqual(order);
  });

  it('when one term\'s ranked results span pages, then Next and Previous walk them strongest first', async () => {
    await library();
    const { pages, back } = await walk(alice, '/search?q=bird');
    expect(pages.map((p) => p.length)).toEqual([48, 48, 34]);
    expect(back).toEqual(pages.slice(0, -1));
    const scores = [];
    for (const url of (await walk(alice, '/search?q=bird')).links) {
      const res = await alice.get(url).set('Accept', 'application/json');
      scores.push(...res.body.images.map((i: Found) => i.match.score));
    }
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('when newest first spans pages, then Older and Newer walk it the same way', async () => {
    await library();
    const { pages, back } = await walk(alice, '/search?q=bird,dog&sort=newest');
    expect(pages.flat()).toHaveLength(130);
    expect(new Set(pages.flat()).size).toBe(130);
    expect(back).toEqual(pages.slice(0, -1));
  });

  it('when another user has private images that match better, then they never change this user\'s results, counts or page boundaries', async () => {
    await library();
    const before = await walk(alice, '/search?q=bird,dog');
    const count = (await search(alice, 'bird,dog')).body.total;
    for (let i = 0; i < 60; i++) await add(BOB, [['macaw', 0.99], ['beagle', 0.005]], undefined, 'private');
    const after = await walk(alice, '/search?q=bird,dog');
    expect(after.pages).toEqual(before.pages);
    expect((await search(alice, 'bird,dog')).body.total).toBe(count);
    // Bob sees his own, first.
    expect((await search(bob, 'bird,dog')).body.total).toBe(count + 60);
  });
});

describe('why it matched, in the viewer', () => {
  it('when the details are asked for with a query, then the matched labels, colours and uploader are marked and a weak label is muted', async () => {
    const image = await add(ALICE, [['macaw', 0.9], ['toucan', 0.06], ['ostrich, Struthio camelus', 0.01]],
      [{ name: 'white', hex: '#f8f8f8', share: 0.7 }, { name: 'red', hex: '#c81e1e', share: 0.2 }]);
    const html = (await bob.get(`/images/${image.id}?q=${encodeURIComponent('ostrich, red, alice')}`)).text;
    expect(html).toMatch(/<li class="matched weak"><span class="label-name"><a href="\/search\?q=ostrich">ostrich, Struthio camelus<\/a>/);
    expect(html).toMatch(/<li><span class="label-name"><a href="\/search\?q=macaw">macaw/);
    expect(html).toContain('weak guess');
    expect(html).toContain('<li class="tag colour matched"><a href="/search?q=red">');
    expect(html).toContain('<li class="tag colour"><a href="/search?q=white">');
    expect(html).toContain('<a href="/?uploader=alice" class="matched">alice</a>');
    expect(html).toContain('<dt>Colours</dt>');
  });
});

describe('libraries from before ranking', () => {
  it('when terms predate strengths, then the background ranking rewrites them from the stored labels', async () => {
    const macaw = await add(ALICE, [['macaw', 0.9]]);
    const zebra = await add(ALICE, [['zebra', 0.9], ['ostrich, Struthio camelus', 0.003]]);
    // What migration 012 leaves: every row at the weakest strength, the images marked as unranked.
    await t.db.query.updateTable('image_terms').set({ strength: 1 }).execute();
    await t.db.query.updateTable('images').set({ terms_version: 0 }).execute();
    expect((await search(alice, 'bird')).ids).toEqual([zebra.id, macaw.id]);
    expect(await rankStale(t.db, createImagesRepo(t.db))).toBe(2);
    expect((await search(alice, 'bird')).ids).toEqual([macaw.id, zebra.id]);
    expect(await rankStale(t.db, createImagesRepo(t.db))).toBe(0);
  });
});

// SQLite's planner, read from the very statements the repository runs (PostgreSQL's plans are the bench's to check).
describe.skipIf(onPostgres)('query plan', () => {
  const planOf = (query: Compilable) => {
    const { sql: text, parameters } = query.compile();
    return (t.db.sqlite!.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...parameters) as { detail: string }[]).map((p) => p.detail).join('\n');
  };
  const range = { term: 'dog', viewer: 1, from: { strength: 500_000, seq: 99 }, limit: 49 };

  it.each(['down', 'up'] as const)('when a term is read strongest first (%s), then SQLite walks the ranked indexes with no sort', (direction) => {
    const pub = planOf(searchQueries(t.db).strongestPublic({ ...range, direction }));
    expect(pub).toMatch(/SEARCH image_terms USING COVERING INDEX image_terms_ranked \(term=\? AND public=\? AND \(strength,image_seq\)[<>]\(\?,\?\)\)/);
    expect(pub).not.toMatch(/SCAN|TEMP B-TREE/);
    const own = planOf(searchQueries(t.db).strongestOwn({ ...range, direction }));
    expect(own).toMatch(/USING (COVERING )?INDEX image_terms_private_ranked \(term=\? AND owner_id=\? AND \(strength,image_seq\)[<>]\(\?,\?\)\)/);
    expect(own).not.toMatch(/SCAN|TEMP B-TREE/);
  });

  it('when the images every term matches are read, then the rarest term\'s ranges drive and each other term is a key lookup', () => {
    const query = searchQueries(t.db).inEvery({ driver: 'user07', others: ['dog', 'red'], viewer: 1, from: { strength: 2 ** 31 - 1, seq: 1e15 }, limit: 49, direction: 'down' });
    const plan = planOf({ compile: () => query.compile(t.db.query) } as Compilable);
    expect(plan).toMatch(/SEARCH d USING (PRIMARY KEY|COVERING INDEX image_terms_ranked) \(term=\? AND public=\?\)/);
    expect(plan).toMatch(/SEARCH d USING (COVERING )?INDEX image_terms_private(_ranked)? \(term=\? AND owner_id=\?\)/);
    expect(plan).toMatch(/SEARCH t0 USING PRIMARY KEY \(term=\? AND public=\? AND image_seq=\?\)/);
    expect(plan).toMatch(/SEARCH t1 USING PRIMARY KEY \(term=\? AND public=\? AND image_seq=\?\)/);
    expect(plan).not.toMatch(/SCAN (d|t0|t1)\b/);
  });

  it('when the images seen are scored, then each strength is a point lookup in the primary key', () => {
    const plan = planOf(searchQueries(t.db).strengths([1, 2, 3], ['dog', 'red']));
    expect(plan).toMatch(/SEARCH image_terms USING PRIMARY KEY \(term=\? AND public=\? AND image_seq=\?\)/);
  });
});
