// The cases every Storage passes, whatever it stores into: test/storage/disk.test.ts and s3.test.ts run them.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTypeFor, type Storage, type StoredObject, type Unsatisfiable } from '../../src/storage/index.js';

export type ContractTarget = {
  /** A storage on a store (folder, bucket) that this file's tests alone use; pageSize is keys per list page. */
  open(options?: { pageSize?: number }): Promise<Storage>;
  /** Called once after the file's tests. */
  done?(): Promise<void>;
};

const SIZE = 4096;
const BYTES = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 7 + 3) % 251));

/** Array.fromAsync, which Node 20 lacks. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function bytesOf(found: StoredObject | Unsatisfiable | undefined): Promise<Buffer> {
  if (!found || found.unsatisfiable) throw new Error(`expected a body, got ${JSON.stringify(found)}`);
  const chunks: Buffer[] = [];
  for await (const chunk of found.body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** `target` is undefined where the store cannot run here (the file's tests are then skipped or failed). */
export function storageContract(label: string, target: () => ContractTarget | undefined) {
  describe(`${label}: the storage contract`, () => {
    let storage: Storage;
    let scratch: string;
    const opened: Storage[] = [];
    const open = async (options?: { pageSize?: number }) => {
      const s = await target()!.open(options);
      opened.push(s);
      return s;
    };

    beforeAll(async () => {
      if (!target()) return;
      scratch = await mkdtemp(path.join(tmpdir(), 'storage-contract-'));
      storage = await open();
    });
    afterAll(async () => {
      for (const s of opened) s.close();
      await target()?.done?.();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    /** A local file with `data`, put under a new key; returns the key. */
    const stored = async (data: Buffer = BYTES, key = `${randomUUID()}.png`, into = storage) => {
      const file = path.join(scratch, randomUUID());
      await writeFile(file, data);
      await into.put(key, file, contentTypeFor(key));
      return key;
    };

    it('when a file is put, then stream gives back its bytes, size and type, and the local file has moved', async () => {
      const file = path.join(scratch, 'upload');
      await writeFile(file, BYTES);
      const key = `${randomUUID()}.webp`;
      await storage.put(key, file, 'image/webp');
      expect(existsSync(file)).toBe(false);
      const found = await storage.stream(key);
      expect(found).toMatchObject({ size: SIZE, contentType: 'image/webp' });
      expect(found?.unsatisfiable || found?.range).toBeFalsy();
      expect((found as StoredObject).lastModified).toBeInstanceOf(Date);
      expect((found as StoredObject).etag).toMatch(/"/);
      expect((await bytesOf(found)).equals(BYTES)).toBe(true);
    });

    it.each([
      ['the first bytes', 'bytes=0-99', 0, 99],
      ['one byte', 'bytes=0-0', 0, 0],
      ['the middle', 'bytes=1000-1999', 1000, 1999],
      ['a suffix', 'bytes=-100', SIZE - 100, SIZE - 1],
      ['a suffix longer than the object', 'bytes=-5000', 0, SIZE - 1],
      ['an open end', 'bytes=4000-', 4000, SIZE - 1],
      ['an end past the object', 'bytes=4090-9999', 4090, SIZE - 1],
    ])('when %s is asked for (%s), then only those bytes come, with the whole size', async (_what, header, start, end) => {
      const found = await storage.stream(await stored(), header);
      expect(found).toMatchObject({ size: SIZE, range: { start, end } });
      expect((await bytesOf(found)).equals(BYTES.subarray(start, end + 1))).toBe(true);
    });

    it.each(['bytes=4096-', 'bytes=5000-6000', 'bytes=-0'])('when %s starts past the end, then it is unsatisfiable, with the size', async (header) => {
      expect(await storage.stream(await stored(), header)).toEqual({ unsatisfiable: true, size: SIZE });
    });

    it.each(['bytes=5-2', 'bytes=0-1,5-6', 'items=0-1', 'bytes=abc', 'bytes=-'])('when the range is %s, then it is ignored and the whole object comes', async (header) => {
      const found = await storage.stream(await stored(), header);
      expect(found).toMatchObject({ size: SIZE });
      expect((found as StoredObject).range).toBeUndefined();
      expect((await bytesOf(found)).length).toBe(SIZE);
    });

    it('when the object is empty, then it streams as nothing and every range is unsatisfiable', async () => {
      const key = await stored(Buffer.alloc(0));
      const found = await storage.stream(key);
      expect(found).toMatchObject({ size: 0 });
      expect((await bytesOf(found)).length).toBe(0);
      expect(await storage.stream(key, 'bytes=0-')).toEqual({ unsatisfiable: true, size: 0 });
    });

    it('when a key was never stored, then stream gives undefined, with or without a range', async () => {
      expect(await storage.stream(`${randomUUID()}.png`)).toBeUndefined();
      expect(await storage.stream(`${randomUUID()}.png`, 'bytes=0-9')).toBeUndefined();
    });

    it('when an object is removed, then it is gone, and removing it again (or a key never stored) is no error', async () => {
      const key = await stored();
      await storage.remove(key);
      expect(await storage.stream(key)).toBeUndefined();
      await expect(storage.remove(key)).resolves.toBeUndefined();
      await expect(storage.remove(`${randomUUID()}.png`)).resolves.toBeUndefined();
    });

    it('when a body is destroyed unread, then the object can still be read (nothing is held)', async () => {
      const key = await stored();
      for (let i = 0; i < 20; i++) {
        const found = (await storage.stream(key)) as StoredObject;
        found.body.destroy();
      }
      expect((await bytesOf(await storage.stream(key))).equals(BYTES)).toBe(true);
    });

    it('when the local file does not exist, then put rejects and nothing is stored', async () => {
      const key = `${randomUUID()}.png`;
      await expect(storage.put(key, path.join(scratch, 'no-such-file'), 'image/png')).rejects.toThrow();
      expect(await storage.stream(key)).toBeUndefined();
    });

    it.each(['../escape.png', '.hidden.png', 'a/b.png', '', 'x'.repeat(300)])('when the key is %j, then every call refuses it', async (key) => {
      const file = path.join(scratch, randomUUID());
      await writeFile(file, 'x');
      await expect(storage.put(key, file, 'image/png')).rejects.toThrow(/not a storage key/);
      await expect(storage.stream(key)).rejects.toThrow(/not a storage key/);
      await expect(storage.remove(key)).rejects.toThrow(/not a storage key/);
      expect(existsSync(file)).toBe(true);
    });

    it("when the content type is not the key's, then put refuses it (a folder could not keep it)", async () => {
      const file = path.join(scratch, randomUUID());
      await writeFile(file, 'x');
      await expect(storage.put(`${randomUUID()}.png`, file, 'image/jpeg')).rejects.toThrow(/content type/);
    });

    it('when keys share a prefix, then list gives them in byte order, after startAfter when given', async () => {
      const p = `${randomUUID().slice(0, 8)}-`;
      const keys = ['b.png', 'a.thumb.webp', 'a.png', 'C.png'].map((k) => `${p}${k}`);
      for (const key of keys) await stored(BYTES, key);
      await stored(BYTES, `${randomUUID()}.png`); // another prefix
      const listed = await collect(storage.list(p));
      expect(listed).toEqual([`${p}C.png`, `${p}a.png`, `${p}a.thumb.webp`, `${p}b.png`]);
      expect(await collect(storage.list(p, `${p}a.png`))).toEqual([`${p}a.thumb.webp`, `${p}b.png`]);
      expect(await collect(storage.list(p, `${p}b.png`))).toEqual([]);
      expect(await collect(storage.list('zzzz'))).toEqual([]);
      const all = await collect(storage.list());
      expect(all).toEqual(expect.arrayContaining(keys));
      expect(all.every((key) => !key.startsWith('.'))).toBe(true); // no health probe, no incoming folder
    });

    it('when there are more keys than one list page holds, then list reads every page, each key once, in order', async () => {
      const paged = await open({ pageSize: 10 });
      const p = `${randomUUID().slice(0, 8)}-`;
      const keys = Array.from({ length: 32 }, (_, i) => `${p}${String(i).padStart(3, '0')}.png`);
      for (let i = 0; i < keys.length; i += 8) await Promise.all(keys.slice(i, i + 8).map((key) => stored(BYTES.subarray(0, 10), key, paged)));
      expect(await collect(paged.list(p))).toEqual(keys);
      expect(await collect(paged.list(p, keys[14]))).toEqual(keys.slice(15));
      expect(await collect(paged.list(p, keys[19]))).toEqual(keys.slice(20)); // starting on a page boundary
    });

    it('when the store works, then check passes and leaves nothing behind', async () => {
      const before = await collect(storage.list());
      await expect(storage.check()).resolves.toBeUndefined();
      expect(await collect(storage.list())).toEqual(before);
    });
  });
}
