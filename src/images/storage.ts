import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config.js';
import type { Logger } from '../log.js';
import { StorageUnavailable, type Storage } from '../storage/index.js';
import type { StoredFiles, ImagesRepo } from './images-repo.js';

const STORED_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(thumb\.webp|(shared\.|placed\.)?(jpeg|png|webp|gif|avif|tiff))$/;

/**
 * An image's objects in the storage: `<uuid>.<format>`, `<uuid>.thumb.webp`, and the copies for others made the
 * first time someone other than the owner asks for one: `<uuid>.shared.<format>`, the original without
 * identifying metadata, and `<uuid>.placed.<format>`, the same keeping where it was taken (for owners who share
 * locations). User file names never reach a key.
 */
export function imageKeys(image: StoredFiles) {
  return {
    original: `${image.id}.${image.format}`,
    thumb: `${image.id}.thumb.webp`,
    shared: `${image.id}.shared.${image.format}`,
    placed: `${image.id}.placed.${image.format}`,
  };
}

/** Uploads in flight are written here first, on this machine whatever the storage; anything left after a crash is garbage. */
export const incomingDir = (uploadDir: string) => path.join(uploadDir, '.incoming');

export async function removeQuietly(...files: (string | undefined)[]): Promise<void> {
  await Promise.all(files.map((f) => f && rm(f, { force: true })));
}

/** Removes every object of an image; already gone (or never made) is fine. */
export async function removeImageFiles(storage: Storage, image: StoredFiles): Promise<void> {
  await Promise.all(Object.values(imageKeys(image)).map((key) => storage.remove(key)));
}

/** At most this many objects are being removed at once when many images go. */
const REMOVING_AT_ONCE = 16;

/**
 * The objects of images whose rows are gone (and whose objects were recorded as pending with them), then their
 * records. A store that is slow, down or failing leaves the rest to the sweep rather than failing a delete
 * that has happened: the rows are gone for everyone already.
 */
export async function removeDeletedFiles(
  storage: Storage, images: Pick<ImagesRepo, 'clearPending'>, deleted: readonly StoredFiles[], log: Logger,
): Promise<void> {
  const queue = [...deleted];
  const worker = async () => {
    for (let files = queue.shift(); files; files = queue.shift()) {
      await removeImageFiles(storage, files);
      await images.clearPending(files.id);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(REMOVING_AT_ONCE, queue.length) }, worker));
  } catch (err) {
    queue.length = 0;
    // Done is done: whatever failed, the rows are gone and their files recorded, so the sweep finishes it.
    if (err instanceof StorageUnavailable) log.warn({ err, images: deleted.length }, 'the files of deleted images are left to the sweep');
    else log.error({ err, images: deleted.length }, 'removing the files of deleted images failed: they are left to the sweep');
  }
}

/** The scratch folder of this server's uploads: whatever a crash left there is garbage. */
export async function clearIncoming(uploadDir: string): Promise<void> {
  await rm(incomingDir(uploadDir), { recursive: true, force: true });
  await mkdir(incomingDir(uploadDir), { recursive: true });
}

/**
 * Removes the objects of uploads that never got their row and of deletes that never finished (both recorded
 * in pending_files) when recorded before `before`; objects the database has no record of are left alone.
 * Returns how many images' objects went.
 */
export async function sweepPending(
  storage: Storage,
  images: Pick<ImagesRepo, 'pendingFiles' | 'clearPending'>,
  before = Number.MAX_SAFE_INTEGER,
): Promise<number> {
  const pending = await images.pendingFiles(before);
  for (const files of pending) {
    await removeImageFiles(storage, files);
    await images.clearPending(files.id);
  }
  return pending.length;
}

/** Start-up repair after a crash of the one server a SQLite database has: the scratch folder, then every record. */
export async function sweepUnfinished(
  uploadDir: string,
  storage: Storage,
  images: Pick<ImagesRepo, 'pendingFiles' | 'clearPending'>,
): Promise<number> {
  await clearIncoming(uploadDir);
  return sweepPending(storage, images);
}

/**
 * A database with no image beside a storage full of them is a mistyped setting far more often than a wish to
 * start again: refuse to start rather than show an empty library. Reads the storage only until the first
 * image's object, and only when the database has no image at all. `where` names the storage's setting.
 */
export async function refuseForeignUploads(
  storage: Storage,
  settings: { where: string; database: string },
  images: Pick<ImagesRepo, 'hasImages' | 'pendingFiles'>,
): Promise<void> {
  if (await images.hasImages()) return;
  // Objects recorded as pending are an upload's in flight or the sweep's to remove, not a stranger's library.
  const pending = new Set((await images.pendingFiles()).map((files) => files.id));
  for await (const key of storage.list()) {
    if (!STORED_KEY.test(key) || pending.has(key.slice(0, 36))) continue;
    throw new ConfigError(
      `${settings.where} holds stored images, but ${settings.database} has none. ` +
        'Check DATA_DIR, DATABASE_PATH or DATABASE_URL and the storage settings; to start a new library, point them at an empty folder or bucket.',
    );
  }
}
