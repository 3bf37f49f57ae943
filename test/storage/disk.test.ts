import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiskStorage } from '../../src/storage/disk.js';
import { storageContract } from './contract.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'disk-storage-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** An upload folder with its incoming folder, as the app makes them. */
async function uploadDir(): Promise<string> {
  const dir = path.join(root, randomUUID());
  await mkdir(path.join(dir, '.incoming'), { recursive: true });
  return dir;
}

storageContract('disk', () => ({ open: async () => createDiskStorage({ dir: await uploadDir() }) }));

describe('disk storage', () => {
  it('when the upload folder holds other things (the incoming folder, dot files, folders), then list gives only keys', async () => {
    const dir = await uploadDir();
    await writeFile(path.join(dir, '.health-x'), 'x');
    await mkdir(path.join(dir, 'a-folder.png'));
    await writeFile(path.join(dir, 'a.png'), 'x');
    const storage = createDiskStorage({ dir });
    const keys: string[] = [];
    for await (const key of storage.list()) keys.push(key);
    expect(keys).toEqual(['a.png']);
    expect(await storage.stream('a-folder.png')).toBeUndefined();
  });

  // /dev/shm is a tmpfs: another filesystem than the temp folder on most machines.
  const otherFs = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev;
  it.skipIf(!otherFs)('when the local file is on another filesystem, then put copies it and removes the original', async () => {
    const dir = await uploadDir();
    const file = path.join('/dev/shm', `storage-test-${randomUUID()}`);
    await writeFile(file, 'across filesystems');
    const storage = createDiskStorage({ dir });
    await storage.put('moved.png', file, 'image/png');
    expect(existsSync(file)).toBe(false);
    expect(await readFile(path.join(dir, 'moved.png'), 'utf8')).toBe('across filesystems');
  });

  it('when the upload folder is gone, then check fails naming UPLOAD_DIR', async () => {
    const dir = await uploadDir();
    await rm(dir, { recursive: true });
    await expect(createDiskStorage({ dir }).check()).rejects.toThrow(`UPLOAD_DIR (${dir}) cannot store files`);
  });

  it('when the upload folder is a file, then check fails naming UPLOAD_DIR', async () => {
    const dir = path.join(root, `${randomUUID()}-file`);
    await writeFile(dir, 'not a folder');
    await expect(createDiskStorage({ dir, scratchDir: root }).check()).rejects.toThrow('UPLOAD_DIR');
  });
});
