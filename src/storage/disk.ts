import { randomUUID } from 'node:crypto';
import { copyFile, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseRange } from './range.js';
import { assertKey, assertPrefix, assertPut, byteOrder, contentTypeFor, isKey, type Storage } from './storage.js';

export type DiskStorageOptions = {
  /** UPLOAD_DIR: each key is a file name in it. */
  dir: string;
  /** Where check() writes its probe before moving it in, as an upload does; `<dir>/.incoming` unless given. */
  scratchDir?: string;
};

/** Keys as file names in one folder: what the app has always done with UPLOAD_DIR. */
export function createDiskStorage({ dir, scratchDir = path.join(dir, '.incoming') }: DiskStorageOptions): Storage {
  const fileOf = (key: string) => {
    assertKey(key);
    return path.join(dir, key);
  };

  /** A rename when both are on one filesystem; otherwise a copy under a dot name (never listed), renamed into place. */
  async function move(from: string, to: string): Promise<void> {
    try {
      await rename(from, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      const partial = path.join(dir, `.put-${randomUUID()}`);
      try {
        await copyFile(from, partial);
        await rename(partial, to);
      } finally {
        await rm(partial, { force: true });
      }
      await rm(from, { force: true });
    }
  }

  return {
    async put(key, fromLocalPath, contentType) {
      assertPut(key, contentType);
      await move(fromLocalPath, fileOf(key));
    },

    async stream(key, rangeHeader) {
      // Opened first and measured through the handle: a file removed meanwhile still reads whole.
      const handle = await open(fileOf(key), 'r').catch((err: NodeJS.ErrnoException) =>
        err.code === 'ENOENT' || err.code === 'ENOTDIR' ? undefined : Promise.reject(err));
      if (!handle) return undefined;
      try {
        const stats = await handle.stat();
        if (!stats.isFile()) {
          await handle.close();
          return undefined;
        }
        const range = parseRange(rangeHeader, stats.size);
        if (range === 'unsatisfiable') {
          await handle.close();
          return { unsatisfiable: true, size: stats.size };
        }
        return {
          body: handle.createReadStream(range ?? {}),
          size: stats.size,
          contentType: contentTypeFor(key),
          ...(range && { range }),
          lastModified: stats.mtime,
          // Express's own form (size and mtime), so caches keep the validators sendFile gave them.
          etag: `W/"${stats.size.toString(16)}-${stats.mtime.getTime().toString(16)}"`,
        };
      } catch (err) {
        await handle.close().catch(() => undefined);
        throw err;
      }
    },

    async remove(key) {
      await rm(fileOf(key), { force: true });
    },

    async *list(prefix = '', startAfter) {
      assertPrefix(prefix);
      // One read of the folder: sorting needs every name anyway (the folder holds two files per image).
      const names = (await readdir(dir, { withFileTypes: true }))
        .filter((entry) => entry.isFile() && isKey(entry.name) && entry.name.startsWith(prefix))
        .map((entry) => entry.name)
        .filter((name) => startAfter === undefined || name > startAfter)
        .sort(byteOrder);
      yield* names;
    },

    async check() {
      const name = `.health-${randomUUID()}`;
      const written = path.join(scratchDir, name);
      const stored = path.join(dir, name);
      try {
        await writeFile(written, name);
        await rename(written, stored);
        if ((await readFile(stored, 'utf8')) !== name) throw new Error('it gave back other bytes than written');
      } catch (err) {
        throw new Error(`UPLOAD_DIR (${dir}) cannot store files: ${(err as Error).message}`, { cause: err });
      } finally {
        await Promise.all([written, stored].map((file) => rm(file, { force: true }).catch(() => undefined)));
      }
    },

    close() {},
  };
}
