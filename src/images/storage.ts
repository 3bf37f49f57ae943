import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config.js';
import type { Storage } from '../storage/index.js';
import type { StoredFiles, ImagesRepo } from './images-repo.js';

const STORED_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(thumb\.webp|jpeg|png|webp|gif|avif|tiff)$/;

/** An image's two objects in the storage: `<uuid>.<format>` and `<uuid>.thumb.webp`; user file names never reach it. */
export function imageKeys(image: StoredFiles) {
  return { original: `${image.id}.${image.format}`, thumb: `${image.id}.thumb.webp` };
}

/** Uploads in flight are written here first, on this machine whatever the storage; anything left after a crash is garbage. */
export const incomingDir = (uploadDir: string) => path.join(uploadDir, '.incoming');

export async function removeQuietly(...files: (string | undefined)[]): Promise<void> {
  await Promise.all(files.map((f) => f && rm(f, { force: true })));
}

/** Removes both objects of an image; already gone is fine. */
export async function removeImageFiles(storage: Storage, image: StoredFiles): Promise<void> {
  const keys = imageKeys(image);
  await Promise.all([storage.remove(keys.original), storage.remove(keys.thumb)]);
}

/**
 * Start-up repair after a crash: empties the incoming folder and removes the objects of uploads that never got
 * their row and of deletes that never finished (both recorded in pending_files). Objects the database has no
 * record of are left alone. Returns how many images' objects went.
 */
export async function sweepUnfinished(
  uploadDir: string,
  storage: Storage,
  images: Pick<ImagesRepo, 'pendingFiles' | 'clearPending'>,
): Promise<number> {
  await rm(incomingDir(uploadDir), { recursive: true, force: true });
  await mkdir(incomingDir(uploadDir), { recursive: true });
  const pending = images.pendingFiles();
  for (const files of pending) {
    await removeImageFiles(storage, files);
    images.clearPending(files.id);
  }
  return pending.length;
}

/**
 * A database with no image beside a storage full of them is a mistyped setting far more often than a wish to
 * start again: refuse to start rather than show an empty library. Reads the storage only until the first
 * image's object, and only when the database has no image at all. `where` names the storage's setting.
 */
export async function refuseForeignUploads(
  storage: Storage,
  settings: { where: string; databasePath: string },
  images: Pick<ImagesRepo, 'hasImages'>,
): Promise<void> {
  if (images.hasImages()) return;
  for await (const key of storage.list()) {
    if (!STORED_KEY.test(key)) continue;
    throw new ConfigError(
      `${settings.where} holds stored images, but the database at DATABASE_PATH (${settings.databasePath}) has none. ` +
        'Check DATA_DIR, DATABASE_PATH and the storage settings; to start a new library, point them at an empty folder or bucket.',
    );
  }
}
