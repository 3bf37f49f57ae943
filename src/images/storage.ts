import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ImageFormat } from './analysis.js';

const STORED_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(thumb\.webp|jpeg|png|webp|gif|avif|tiff)$/;

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
 * Start-up repair after a crash: empties the incoming folder and deletes stored files that no row owns.
 * Rows are only inserted after their files are in place, so a row never lacks its files.
 */
export async function removeOrphans(uploadDir: string, knownIds: Set<string>): Promise<number> {
  await rm(incomingDir(uploadDir), { recursive: true, force: true });
  await mkdir(incomingDir(uploadDir), { recursive: true });
  const orphans = (await readdir(uploadDir)).filter((name) => {
    const match = STORED_FILE.exec(name);
    return match !== null && !knownIds.has(match[1]);
  });
  await removeQuietly(...orphans.map((name) => path.join(uploadDir, name)));
  return orphans.length;
}
