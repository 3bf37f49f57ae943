import { CompiledQuery, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.js';
import { countVisibleQuery, createImagesRepo, storedBytesQuery, type ImagesRepo, type NewImage } from '../../src/images/images-repo.js';
import { onPostgres, testBackend, testDatabase } from '../helpers/backend.js';

let db: Db;
let images: ImagesRepo;
let pat: { id: number; username: string };
let sam: { id: number; username: string };
let made = 0;
const newImage = (visibility: 'public' | 'private', bytes: number): NewImage => ({
  id: `00000000-0000-4000-8000-${String(++made).padStart(12, '0')}`, visibility, originalName: 'a.png', format: 'png',
  bytes, width: 4, height: 3, colourHex: '#ff0000', colourName: 'red', createdAt: made,
});
const addUser = async (username: string) => {
  const { id } = await db.query.insertInto('users').values({ username, password_hash: 'x', created_at: 0 }).returning('id').executeTakeFirstOrThrow();
  return { id, username };
};

/** What a count over every image row says, for comparison with the kept totals. */
async function counted(viewer: number): Promise<{ visible: number; bytes: number }> {
  const visible = await db.query.selectFrom('images').select(sql<number>`CAST(count(*) AS BIGINT)`.as('n'))
    .where((w) => w.or([w('visibility', '=', 'public'), w('owner_id', '=', viewer)])).executeTakeFirstOrThrow();
  const bytes = await db.query.selectFrom('images').select(sql<number>`CAST(coalesce(sum(bytes), 0) AS BIGINT)`.as('n'))
    .where('owner_id', '=', viewer).executeTakeFirstOrThrow();
  return { visible: visible.n, bytes: bytes.n };
}
const kept = async (viewer: number) => ({ visible: await images.countVisible({ viewer }), bytes: await images.storedBytes(viewer) });

beforeEach(async () => {
  db = await testDatabase();
  [pat, sam] = [await addUser('pat'), await addUser('sam')];
  images = createImagesRepo(db);
});
afterEach(() => db.close());

describe(`the gallery count and the quota's bytes, kept by the database, on ${testBackend}`, () => {
  it('when images are added, classified, made private, made public and deleted, then the totals always equal a count of the rows', async () => {
    const a = await images.insert(newImage('public', 100), pat, null);
    const b = await images.insert(newImage('private', 20), pat, [{ name: 'macaw', probability: 0.9 }]);
    await images.insert(newImage('private', 7), sam, null);
    await images.insert(newImage('public', 3), sam, null);
    expect(await kept(pat.id)).toEqual({ visible: 3, bytes: 120 }); // 2 public + pat's private one
    expect(await kept(sam.id)).toEqual({ visible: 3, bytes: 10 });

    await images.setLabels(a.seq, { labels: [{ name: 'toucan', probability: 0.8 }], embedding: new Uint8Array(1280) });
    await images.setVisibility(a, 'private');
    expect(await kept(sam.id)).toEqual({ visible: 2, bytes: 10 });
    await images.setVisibility(b, 'public');
    await images.setVisibility(b, 'public'); // no change
    await images.delete(a, 1);
    for (const user of [pat, sam]) expect(await kept(user.id)).toEqual(await counted(user.id));
    expect(await kept(pat.id)).toEqual({ visible: 2, bytes: 20 }); // b, now public, and sam's public one
  });

  it('when one statement changes many images of several owners, then each total moves by all of them', async () => {
    for (let i = 0; i < 30; i++) await images.insert(newImage(i % 3 ? 'public' : 'private', i), i % 2 ? pat : sam, null);
    await db.query.updateTable('images').set({ visibility: 'private' }).where('seq', '<=', 20).execute();
    await db.query.deleteFrom('images').where('seq', '>', 25).execute();
    for (const user of [pat, sam]) expect(await kept(user.id)).toEqual(await counted(user.id));
  });

  it('when a migration meets images stored before the totals existed, then it counts them', async () => {
    await images.insert(newImage('public', 5), pat, null);
    await images.insert(newImage('private', 6), sam, null);
    await db.query.deleteFrom('image_totals').execute();
    const migration = (await import('node:fs')).readFileSync(new URL(`../../migrations/${testBackend}/009_image_totals.sql`, import.meta.url), 'utf8');
    const backfill = /INSERT INTO image_totals \(owner_id, visibility, images, bytes\)\n\s+SELECT[^;]+;/.exec(migration)![0];
    await db.query.executeQuery(CompiledQuery.raw(backfill));
    for (const user of [pat, sam]) expect(await kept(user.id)).toEqual(await counted(user.id));
  });

  it.runIf(onPostgres)('when one owner uploads and flips visibility on many connections at once, then no total is lost and no transaction deadlocks', async () => {
    const first = await Promise.all(Array.from({ length: 20 }, (_, i) => images.insert(newImage(i % 2 ? 'public' : 'private', 1), pat, null)));
    await Promise.all([
      ...first.map((image) => images.setVisibility(image, image.visibility === 'public' ? 'private' : 'public')),
      ...Array.from({ length: 20 }, () => images.insert(newImage('public', 2), pat, null)),
      ...first.slice(0, 5).map((image) => images.delete(image, 1)),
    ]);
    expect(await kept(pat.id)).toEqual(await counted(pat.id));
    expect(await kept(sam.id)).toEqual(await counted(sam.id));
  });

  it.runIf(onPostgres)('when an upload holds its owner for the quota while the owner makes a first image public, then both finish', async () => {
    // Every image of sam private: making one public writes sam's first public total. The upload's quota check
    // holds sam's user row FOR UPDATE and then writes sam's private total, which the flip holds meanwhile.
    const image = await images.insert(newImage('private', 1), sam, null);
    let flip: Promise<boolean> | undefined;
    await db.query.transaction().execute(async (tx) => {
      await tx.selectFrom('users').select('id').where('id', '=', sam.id).forUpdate().execute();
      flip = images.setVisibility(image, 'public'); // on another connection of the pool
      await new Promise((resolve) => setTimeout(resolve, 300)); // the flip takes its locks (and, with a foreign key, waits)
      const { id, ...rest } = newImage('private', 2);
      await tx.insertInto('images').values({
        id, owner_id: sam.id, visibility: rest.visibility, original_name: rest.originalName, format: rest.format, bytes: rest.bytes,
        width: rest.width, height: rest.height, colour_hex: rest.colourHex, colour_name: rest.colourName, classified: 0, created_at: 0, shot_at: 0,
      }).execute();
    });
    await flip;
    expect(await kept(sam.id)).toEqual(await counted(sam.id));
  });

  it('when a user with images is deleted, then their images go and everyone else\'s totals stay right', async () => {
    await images.insert(newImage('public', 5), pat, null);
    await images.insert(newImage('private', 6), pat, null);
    await images.insert(newImage('public', 7), sam, null);
    await db.query.deleteFrom('users').where('id', '=', pat.id).execute();
    expect(await kept(sam.id)).toEqual(await counted(sam.id));
    expect(await kept(sam.id)).toEqual({ visible: 1, bytes: 7 });
  });

  it('when the count and the quota are read, then the database reads image_totals alone, never the images', async () => {
    for (const query of [countVisibleQuery(db.query, { viewer: pat.id }).compile(), storedBytesQuery(db.query, pat.id).compile()]) {
      if (db.sqlite) {
        const plan = db.sqlite.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.parameters) as { detail: string }[];
        const text = plan.map((p) => p.detail).join('\n');
        expect(text).toMatch(/image_totals/);
        expect(text).not.toMatch(/\bimages\b/);
      } else {
        const plan = await db.query.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN ${query.sql}`, [...query.parameters]));
        const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(text).toMatch(/image_totals/);
        expect(text).not.toMatch(/\bimages\b/);
      }
    }
  });
});
