import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.js';
import { createImagesRepo, type ImagesRepo, type NewImage } from '../../src/images/images-repo.js';
import { testBackend, testDatabase } from '../helpers/backend.js';

let db: Db;
let images: ImagesRepo;
let owner: { id: number; username: string };
const newImage = (id: string): NewImage => ({
  id, visibility: 'public', originalName: 'a.png', format: 'png', bytes: 10, width: 4, height: 3,
  colourHex: '#ff0000', colourName: 'red', createdAt: 0,
});
beforeEach(async () => {
  db = await testDatabase();
  const { id } = await db.query.insertInto('users').values({ username: 'pat', password_hash: 'x', created_at: 0 }).returning('id').executeTakeFirstOrThrow();
  owner = { id, username: 'pat' };
  images = createImagesRepo(db);
});
afterEach(() => db.close());

describe(`files recorded as pending, on ${testBackend}`, () => {
  const id = '11111111-2222-4333-8444-555555555555';

  it('when an upload records its files and then inserts its row, then the record is gone in the same transaction', async () => {
    await images.markPending({ id, format: 'png' }, 1);
    expect(await images.pendingFiles()).toEqual([{ id, format: 'png' }]);
    await images.insert(newImage(id), owner, null);
    expect(await images.pendingFiles()).toEqual([]);
  });

  it('when the row insert fails, then the record stays for the sweep and no part of the row is written', async () => {
    await images.insert(newImage(id), owner, [{ name: 'macaw', probability: 0.9 }]);
    await images.markPending({ id, format: 'png' }, 1);
    const before = await db.query.selectFrom('image_terms').select('term').execute();
    await expect(images.insert(newImage(id), owner, [{ name: 'toucan', probability: 0.9 }])).rejects.toThrow(/UNIQUE|unique/);
    expect(await images.pendingFiles()).toEqual([{ id, format: 'png' }]);
    expect(await db.query.selectFrom('image_terms').select('term').execute()).toEqual(before);
    expect(await db.query.selectFrom('images').select('labels').execute()).toEqual([{ labels: JSON.stringify([{ name: 'macaw', probability: 0.9 }]) }]);
  });

  it('when pending records are read with a cut-off, then only those made before it come back', async () => {
    await images.markPending({ id, format: 'png' }, 1_000);
    await images.markPending({ id: id.replace('1111', '9999'), format: 'jpeg' }, 5_000);
    expect(await images.pendingFiles(2_000)).toEqual([{ id, format: 'png' }]);
    expect(await images.pendingFiles()).toHaveLength(2);
  });

  it('when an image is deleted, then its row goes and its files are recorded as pending until they are cleared', async () => {
    const image = await images.insert(newImage(id), owner, null);
    await images.delete(image, 5);
    expect(await images.findBySeq(image.seq)).toBeUndefined();
    expect(await images.pendingFiles()).toEqual([{ id, format: 'png' }]);
    await images.clearPending(id);
    expect(await images.pendingFiles()).toEqual([]);
    expect(await images.hasImages()).toBe(false);
  });
});
