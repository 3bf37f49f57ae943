import { mkdir, opendir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config.js';
import type { ImageFormat } from './analysis.js';
import type { ImagesRepo } from './images-repo.js';

const STORED_FILE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(thumb\.webp|jpeg|png|webp|gif|avif|tiff)$/;

/** Where an image's files live: `<uuid>.<format>` and `<uuid>.thumb.webp`; user file names never touch the disk. */
export function imagePaths(uploadDir: string, image: { id: string; format: ImageFormat }) {
  return {
    original: path.join(uploadDir, `${image.id}.${image.format}`),
    thumb: path.join(uploadDir, `${image.id}.thumb.webp`),
  };
}

/** Uploads in flight are written here first; anything left in it after a crash is garbage. */
export const incomingDir = (uploadDir: string) => path.join(uploadDir, '.incoming');

export async function removeQuietly(...files: (string | undefined)[]): Promise<void> {
  await Promise.all(files.map((f) => f && rm(f, { force: true })));
}

/**
 * Start-up repair after a crash: empties the incoming folder and removes the files of uploads that never got
 * their row and of deletes that never finished (both recorded in pending_files). Files the database has no
 * record of are left alone. Returns how many images' files went.
 */
export async function sweepUnfinished(uploadDir: string, images: Pick<ImagesRepo, 'pendingFiles' | 'clearPending'>): Promise<number> {
  await rm(incomingDir(uploadDir), { recursive: true, force: true });
  await mkdir(incomingDir(uploadDir), { recursive: true });
  const pending = images.pendingFiles();
  for (const files of pending) {
    const paths = imagePaths(uploadDir, files);
    await removeQuietly(paths.original, paths.thumb);
    images.clearPending(files.id);
  }
  return pending.length;
}

/**
 * A database with no image beside an upload folder full of them is a mistyped DATA_DIR, DATABASE_PATH or
 * UPLOAD_DIR far more often than a wish to start again: refuse to start rather than show an empty library.
 * Reads the folder only until the first stored file, and only when the database has no image at all.
 */
export async function refuseForeignUploads(uploadDir: string, databasePath: string, images: Pick<ImagesRepo, 'hasImages'>): Promise<void> {
  if (images.hasImages()) return;
  const dir = await opendir(uploadDir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  if (!dir) return;
  for await (const entry of dir) {
    if (!STORED_FILE.test(entry.name)) continue;
    await dir.close().catch(() => undefined);
    throw new ConfigError(
      `UPLOAD_DIR (${uploadDir}) holds stored images, but the database at DATABASE_PATH (${databasePath}) has none. ` +
        'Check DATA_DIR, DATABASE_PATH and UPLOAD_DIR; to start a new library, point UPLOAD_DIR at an empty folder.',
    );
  }
}
