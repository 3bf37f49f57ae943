import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/open.js';
import { openDatabase } from '../../src/db/open.js';
import { createImagesRepo, type ImagesRepo, type NewImage } from '../../src/images/images-repo.js';

let db: Db;
let images: ImagesRepo;
const owner = { id: 1, username: 'pat' };
const newImage = (id: string): NewImage => ({
  id, visibility: 'public', originalName: 'a.png', format: 'png', bytes: 10, width: 4, height: 3,
  colourHex: '#ff0000', colourName: 'red', createdAt: 0,
});
beforeEach(() => {
  db = openDatabase(':memory:');
  db.prepare("INSERT INTO users (id, username, password_hash, created_at) VALUES (1, 'pat', 'x', 0)").run();
  images = createImagesRepo(db);
});
afterEach(() => db.close());

describe('files recorded as pending', () => {
  it('when an upload records its files and then inserts its row, then the record is gone in the same transaction', () => {
    const id = '11111111-2222-4333-8444-555555555555';
    images.markPending({ id, format: 'png' }, 1);
    expect(images.pendingFiles()).toEqual([{ id, format: 'png' }]);
    images.insert(newImage(id), owner, null);
    expect(images.pendingFiles()).toEqual([]);
  });

  it('when the row insert fails, then the record stays for the sweep', () => {
    const id = '11111111-2222-4333-8444-555555555555';
    images.insert(newImage(id), owner, null);
    images.markPending({ id, format: 'png' }, 1);
    expect(() => images.insert(newImage(id), owner, null)).toThrow(/UNIQUE/);
    expect(images.pendingFiles()).toEqual([{ id, format: 'png' }]);
  });

  it('when an image is deleted, then its row goes and its files are recorded as pending until they are cleared', () => {
    const id = '11111111-2222-4333-8444-555555555555';
    const image = images.insert(newImage(id), owner, null);
    images.delete(image, 5);
    expect(images.findBySeq(image.seq)).toBeUndefined();
    expect(images.pendingFiles()).toEqual([{ id, format: 'png' }]);
    images.clearPending(id);
    expect(images.pendingFiles()).toEqual([]);
    expect(images.hasImages()).toBe(false);
  });
});
