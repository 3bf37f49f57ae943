// Page links carry opaque cursors (audit finding 9), and typed page numbers stop where offsets get costly (finding 8).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type request from 'supertest';
import { createImagesRepo } from '../../src/images/images-repo.js';
import { MAX_TYPED_PAGE, PAGE_SIZE } from '../../src/images/pagination.js';
import { createTestApp, signedInAgent, type TestApp } from '../helpers/app.js';

let t: TestApp;
let viewer: request.Agent;
beforeEach(async () => {
  t = await createTestApp();
  viewer = await signedInAgent(t, 'viewer');
});
afterEach(() => t.close());

/** Images straight into the repo; every third one another user's private image, so seqs have gaps in the viewer's list. */
async function seed(count: number) {
  const repo = createImagesRepo(t.db);
  const viewerRow = await t.db.query.selectFrom('users').select('id').where('username', '=', 'viewer').executeTakeFirstOrThrow();
  const otherRow = await t.db.query.insertInto('users').values({ username: 'other', password_hash: 'x', created_at: 0 }).returning('id').executeTakeFirstOrThrow();
  for (let i = 0; i < count; i++) {
    const mine = i % 3 !== 2;
    await repo.insert(
      { id: crypto.randomUUID(), visibility: mine ? 'public' : 'private', originalName: `p${i}.png`, format: 'png', bytes: 1, width: 1, height: 1, colourHex: '#ff0000', colourName: 'red', createdAt: i },
      mine ? { id: viewerRow.id, username: 'viewer' } : { id: otherRow.id, username: 'other' },
      [{ name: 'macaw', probability: 0.9 }],
    );
  }
}

const json = (url: string) => viewer.get(url).set('Accept', 'application/json');
const seqs = async () => (await t.rows<{ seq: number }>`SELECT seq FROM images`).map((row) => row.seq);

describe('page links', () => {
  it.each(['/', '/search?q=red'])('when %s spans pages, then its Older and Newer links carry no sequence number, and still walk every image once', async (start) => {
    await seed(PAGE_SIZE * 4);
    const all = new Set((await seqs()).map(String));
    const seen: string[] = [];
    let url: string | undefined = start;
    let newer: string | undefined;
    for (let pages = 0; url; pages++) {
      const res = await json(url);
      expect(res.status, url).toBe(200);
      seen.push(...res.body.images.map((i: { id: string }) => i.id));
      for (const link of [res.body.older, res.body.newer].filter(Boolean) as string[]) {
        const params = new URL(link, 'http://x').searchParams;
        for (const name of ['before', 'after']) {
          const token = params.get(name);
          if (!token) continue;
          expect(token).toMatch(/^[\w-]{30,}$/);
          expect(all.has(token)).toBe(false);
          // Nor readable once decoded: no plain number or JSON inside.
          expect(() => JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))).toThrow();
        }
      }
      if (res.body.newer && pages >= 2) newer = res.body.newer;
      url = res.body.older;
    }
    const visible = PAGE_SIZE * 4 - Math.floor((PAGE_SIZE * 4) / 3);
    expect(new Set(seen).size).toBe(visible);
    expect(seen).toHaveLength(visible);
    expect((await json(newer!)).status).toBe(200);
  });

  it.each([['a forged number', '12'], ['a changed token', 'flip'], ['garbage', '%%%'], ['an empty-looking token', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']])(
    'when a page link carries %s, then the answer is a clear 400, in HTML and JSON',
    async (_what, kind) => {
      await seed(PAGE_SIZE * 2);
      const older = (await json('/')).body.older as string;
      const token = new URL(older, 'http://x').searchParams.get('before')!;
      const bad = kind === 'flip' ? `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}` : kind;
      for (const base of ['/?page=2&before=', '/search?q=red&page=2&before=', '/?after=']) {
        const res = await json(`${base}${encodeURIComponent(bad)}`);
        expect(res.status, base).toBe(400);
        expect(res.body.error).toMatch(/page link is broken/);
        const page = await viewer.get(`${base}${encodeURIComponent(bad)}`);
        expect(page.status).toBe(400);
        expect(page.text).toContain('This page link is broken or out of date');
      }
    },
  );

  it('when a link was made by a server with another secret, then it is refused like a forged one', async () => {
    await seed(PAGE_SIZE * 2);
    const other = await createTestApp({ sessionSecret: 'another-secret-that-is-long-enough-for-the-check' });
    try {
      const agent = await signedInAgent(other, 'viewer');
      const older = (await json('/')).body.older as string;
      expect((await agent.get(older).set('Accept', 'application/json')).status).toBe(400);
    } finally {
      await other.close();
    }
  });
});

describe('typed page numbers', () => {
  it(`when a page up to ${MAX_TYPED_PAGE} is typed, then it opens; past it the answer is a clear 400 pointing at the Older link`, async () => {
    await seed(PAGE_SIZE * (MAX_TYPED_PAGE + 1) * 1.5); // more than MAX_TYPED_PAGE pages of the viewer's own
    expect((await json(`/?page=${MAX_TYPED_PAGE}`)).status).toBe(200);
    expect((await json(`/search?q=red&page=${MAX_TYPED_PAGE}`)).status).toBe(200);
    for (const url of [`/?page=${MAX_TYPED_PAGE + 1}`, '/search?q=red&page=2000', '/?page=999999999']) {
      const res = await json(url);
      expect(res.status, url).toBe(400);
      expect(res.body.error).toContain(`Pages past ${MAX_TYPED_PAGE} cannot be opened by number`);
    }
  });

  it(`when the Older links lead past page ${MAX_TYPED_PAGE}, then those pages open`, async () => {
    await seed(Math.ceil(PAGE_SIZE * (MAX_TYPED_PAGE + 2) * 1.5));
    let url: string | undefined = `/?page=${MAX_TYPED_PAGE}`;
    let last = 0;
    while (url) {
      const res = await json(url);
      expect(res.status, url).toBe(200);
      last = res.body.page;
      url = res.body.older;
    }
    expect(last).toBeGreaterThan(MAX_TYPED_PAGE);
  });
});

describe('a typed page past the end', () => {
  it.each([['/?page=9', '/?page=2'], ['/search?q=red&page=9', '/search?q=red&page=2'], ['/?page=3', '/?page=2']])(
    'when %s is typed and there are two pages, then it goes to the last page instead of an empty one',
    async (url, last) => {
      await seed(PAGE_SIZE * 2 + 6); // 68 of the viewer's: two pages
      const res = await viewer.get(url);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(last);
      const page = await json(res.headers.location);
      expect(page.body.page).toBe(2);
      expect(page.body.images.length).toBeGreaterThan(0);
    },
  );

  it('when there is nothing at all, then page 5 goes to the first page, which says so', async () => {
    const res = await viewer.get('/?page=5');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const search = await viewer.get('/search?q=nothing-like-this&page=4');
    expect(search.status).toBe(303);
    expect(search.headers.location).toBe('/search?q=nothing-like-this');
    expect((await viewer.get(search.headers.location)).text).toContain('0 images match');
  });
});
