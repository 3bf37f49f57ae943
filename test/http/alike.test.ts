// "Similar images" beyond copies: the owner's other photos that the model sees alike (its embedding), most
// alike first; to anyone else only public ones. A classifier here whose embedding is the photo's mean colour
// (the real model's is tested in test/model/embedding.test.ts) makes "most alike" something a test can set.
import { AliasNode, CompiledQuery, SelectQueryNode, type KyselyPlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, reclassifyDeps, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { fakeClassifier } from '../helpers/fake-classifier.js';
import { solidPng } from '../helpers/fixtures.js';
import { EMBEDDING_SIZE } from '../../src/images/embedding.js';
import { onPostgres } from '../helpers/backend.js';
import { fillEmbeddings } from '../../src/images/reclassify.js';
import { candidatesQuery } from '../../src/images/alike.js';
import type { Classifier } from '../../src/images/classifier.js';

type Agent = ReturnType<TestApp['agent']>;

/** Sees tabby cats in everything; its embedding is the mean red, green and blue of the model input. */
function colourClassifier(): Classifier {
  const labels = fakeClassifier();
  return {
    async classify(pixels) {
      const { labels: seen } = await labels.classify(pixels);
      const embedding = new Uint8Array(EMBEDDING_SIZE);
      const sums = [0, 0, 0];
      for (let i = 0; i < pixels.length; i++) sums[i % 3] += pixels[i];
      sums.forEach((sum, channel) => (embedding[channel] = Math.round(sum / (pixels.length / 3))));
      return { labels: seen, embedding };
    },
    close: async () => {},
  };
}

const stored = async (agent: Agent, name: string, hex: string, visibility = 'public') => {
  const res = await upload(agent, [{ name, data: await solidPng(hex) }], visibility);
  expect(res.status).toBe(200);
  return (res.body.results[0] as { image: { id: string } }).image.id;
};
const alikeOf = async (agent: Agent, id: string) =>
  ((await agent.get(`/images/${id}`).set('Accept', 'application/json').expect(200)).body.alike as { id: string; similarity: number }[]);

describe('images alike', () => {
  it('when the owner opens a photo, then their photos the model sees alike are listed most alike first, private ones too, and nothing unlike', async () => {
    const t = await createTestApp({ classifier: colourClassifier() });
    const kim = await signedInAgent(t, 'kim');
    const red = await stored(kim, 'red.png', '#e01010');
    const orange = await stored(kim, 'orange.png', '#e07010', 'private');
    const pink = await stored(kim, 'pink.png', '#e01030');
    const blue = await stored(kim, 'blue.png', '#1010e0');
    // Pink is nearer red than orange is; blue, at a cosine of 0.15, is not alike at all.
    const alike = await alikeOf(kim, red);
    expect(alike.map((a) => a.id)).toEqual([pink, orange]);
    expect(alike[0].similarity).toBeGreaterThan(alike[1].similarity);
    expect(alike[1].similarity).toBeGreaterThan(0.9);
    // The page shows them under "Similar images".
    const page = (await kim.get(`/images/${red}`).expect(200)).text;
    expect(page).toContain('Similar images');
    expect(page).toContain(`/images/${orange}/thumb`);
    expect(page).not.toContain(`/images/${blue}/thumb`);
    await t.close();
  });

  it('when someone else opens the photo, then only the owner\'s public look-alikes are listed, and a photo made private or trashed leaves the list at once', async () => {
    const t = await createTestApp({ classifier: colourClassifier() });
    const kim = await signedInAgent(t, 'kim');
    const lee = await signedInAgent(t, 'lee');
    const red = await stored(kim, 'red.png', '#e01010');
    const hidden = await stored(kim, 'orange.png', '#e06010', 'private');
    const pink = await stored(kim, 'pink.png', '#e01060');
    const leesRed = await stored(lee, 'red.png', '#e01010');
    expect((await alikeOf(lee, red)).map((a) => a.id)).toEqual([pink]);
    expect((await lee.get(`/images/${red}`).expect(200)).text).not.toContain(hidden);
    // Another user's photos are never among the owner's look-alikes, public or not.
    expect((await alikeOf(kim, red)).map((a) => a.id)).not.toContain(leesRed);
    expect((await alikeOf(lee, leesRed))).toEqual([]);

    const token = await csrfFrom(kim, '/upload');
    await kim.post(`/images/${pink}/visibility`).set('X-CSRF-Token', token).set('Accept', 'application/json').send({ visibility: 'private' }).expect(200);
    expect(await alikeOf(lee, red)).toEqual([]);
    expect((await alikeOf(kim, red)).map((a) => a.id).sort()).toEqual([hidden, pink].sort());
    await kim.post(`/images/${pink}/delete`).set('X-CSRF-Token', token).set('Accept', 'application/json').expect(200);
    expect((await alikeOf(kim, red)).map((a) => a.id)).toEqual([hidden]);
    // Restored, it comes back with its embedding.
    await kim.post('/trash/restore').set('X-CSRF-Token', token).set('Accept', 'application/json').send({ ids: [pink] }).expect(200);
    expect((await alikeOf(kim, red)).map((a) => a.id).sort()).toEqual([hidden, pink].sort());
    await t.close();
  });

  // On SQLite, where the change can be made on the app's own connection the moment the first read answers,
  // before the second (the check it tests is the same query on both dialects).
  it.skipIf(onPostgres)('when a photo turns private between the read of the candidates and the read of their embeddings, then another viewer still never gets it', async () => {
    // Right after the candidates' read answers, the owner's change commits.
    let turnPrivate: string | undefined;
    const candidateReads = new Set<unknown>();
    let db: TestApp['db'] | undefined;
    const between: KyselyPlugin = {
      transformQuery: ({ node, queryId }) => {
        // The candidates' read alone selects from a subquery.
        const from = node.kind === 'SelectQueryNode' ? node.from?.froms[0] : undefined;
        if (from && AliasNode.is(from) && SelectQueryNode.is(from.node)) candidateReads.add(queryId);
        return node;
      },
      transformResult: async ({ result, queryId }) => {
        if (candidateReads.has(queryId) && turnPrivate) {
          // better-sqlite3 itself: Kysely's driver holds its one connection until this returns.
          db!.sqlite!.prepare("UPDATE images SET visibility = 'private' WHERE id = ?").run(turnPrivate);
          turnPrivate = undefined;
        }
        return result;
      },
    };
    const t = await createTestApp({ classifier: colourClassifier(), wrapDb: (unwrapped) => ((db = unwrapped), { ...unwrapped, query: unwrapped.query.withPlugin(between) }) });
    const kim = await signedInAgent(t, 'kim');
    const lee = await signedInAgent(t, 'lee');
    const red = await stored(kim, 'red.png', '#e01010');
    const pink = await stored(kim, 'pink.png', '#e01030');
    turnPrivate = pink;
    expect(await alikeOf(lee, red)).toEqual([]);
    expect((await t.rows<{ visibility: string }>`SELECT visibility FROM images WHERE id = ${pink}`)[0].visibility).toBe('private');
    expect((await alikeOf(kim, red)).map((a) => a.id)).toEqual([pink]);
    await t.close();
  });

  it('when the candidates are planned, then they are ranges of the owner\'s images by key, not every user\'s images', async () => {
    const t = await createTestApp();
    if (!t.db.sqlite) {
      // PostgreSQL plans by its statistics, and a small table is cheapest scanned: 40,000 images of two owners.
      await signedInAgent(t, 'kim');
      await signedInAgent(t, 'lee');
      await t.rows`INSERT INTO images (id, owner_id, visibility, original_name, format, bytes, width, height, colour_hex, colour_name, classified, created_at, shot_at, alike_key)
        SELECT gen_random_uuid()::text, 1 + n % 2, 'public', 'p.jpg', 'jpeg', 1, 1, 1, '#808080', 'gray', 1, n, n, 'key ' || (n % 200)
        FROM generate_series(1, 40000) AS n`;
      await t.rows`ANALYZE images`;
    }
    for (const publicOnly of [true, false]) {
      const { sql, parameters } = candidatesQuery(t.db, 1, 'key 7', { publicOnly, except: 5 }).compile();
      if (t.db.sqlite) {
        const plan = (t.db.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[]).map((p) => p.detail).join('\n');
        expect(plan).toMatch(/USING (COVERING )?INDEX images_owner_alike \(owner_id=\? AND alike_key=\?\)/);
        // A walk down the index, newest first: no sort of all the key's images.
        expect(plan).not.toMatch(/SCAN images|images_owner_visibility|TEMP B-TREE/);
      } else {
        const rows = await t.db.query.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN ${sql}`, [...parameters]));
        const plan = rows.rows.map((r) => r['QUERY PLAN']).join('\n');
        // PostgreSQL sorts a key's few rows here, and walks the index backward where they are many.
        expect(plan).toContain('images_owner_alike');
        expect(plan).not.toMatch(/Seq Scan|images_owner_visibility/);
      }
    }
    await t.close();
  });

  it('when images were classified before embeddings were kept, then they list none until reclassify reads them, once', async () => {
    const t = await createTestApp({ classifier: colourClassifier() });
    const kim = await signedInAgent(t, 'kim');
    const red = await stored(kim, 'red.png', '#e01010');
    const pink = await stored(kim, 'pink.png', '#e01060');
    // As rows from before migration 018 are.
    await t.db.query.updateTable('images').set({ embedding: null, alike_key: null }).execute();
    expect(await alikeOf(kim, red)).toEqual([]);
    const deps = { ...reclassifyDeps(t), classifier: colourClassifier() };
    expect(await fillEmbeddings(deps)).toEqual({ read: 2, failed: 0, noEmbedding: false });
    expect((await t.rows<{ alike_key: string }>`SELECT alike_key FROM images`).map((r) => r.alike_key)).toEqual(['domestic cat', 'domestic cat']);
    expect((await alikeOf(kim, red)).map((a) => a.id)).toEqual([pink]);
    expect(await fillEmbeddings(deps)).toEqual({ read: 0, failed: 0, noEmbedding: false });
    // A model that gives no embedding leaves such images as they are, and that is no failure.
    await t.db.query.updateTable('images').set({ embedding: null, alike_key: null }).execute();
    const labelsOnly: Classifier = { classify: async (pixels) => ({ ...(await fakeClassifier().classify(pixels)), embedding: null }), close: async () => {} };
    expect(await fillEmbeddings({ ...deps, classifier: labelsOnly })).toEqual({ read: 0, failed: 0, noEmbedding: true });
    await t.close();
  });
});
