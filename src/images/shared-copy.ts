import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { Storage } from '../storage/index.js';
import type { ImageRecord, ImagesRepo } from './images-repo.js';
import { KEEPS_PLACE, withoutIdentifyingMetadata } from './metadata/index.js';
import { imageKeys, removeQuietly } from './storage.js';

/** The place a copy for others keeps: only when its owner shares locations, and only when the camera recorded one. */
function sharedPlace(image: ImageRecord) {
  const { latitude, longitude } = image.exif ?? {};
  const known = typeof latitude === 'number' && typeof longitude === 'number';
  return image.ownerSharesLocation && known && KEEPS_PLACE.has(image.format) ? { latitude, longitude } : undefined;
}

/** The object everyone but the owner is served: with the place when the owner shares it, else without. */
export const sharedKey = (image: ImageRecord) => (sharedPlace(image) ? imageKeys(image).placed : imageKeys(image).shared);

/**
 * Makes sure sharedKey(image) exists: the original with no serials or names, and no location unless the owner
 * shares it. Made once, on the first such request, from the stored original (originals never change, so two
 * servers making it at once write the same bytes). Returns false when the original is gone.
 */
export async function ensureSharedCopy(
  storage: Storage, images: Pick<ImagesRepo, 'findBySeq'>, image: ImageRecord, scratchDir: string,
): Promise<boolean> {
  const keys = imageKeys(image);
  const key = sharedKey(image);
  const original = await storage.stream(keys.original);
  if (!original || original.unsatisfiable) return false;
  const cleaned = await withoutIdentifyingMetadata(await buffer(original.body), image.format, sharedPlace(image));
  const scratch = path.join(scratchDir, `${randomUUID()}.shared`);
  try {
    await writeFile(scratch, cleaned);
    await storage.put(key, scratch, original.contentType);
  } finally {
    await removeQuietly(scratch);
  }
  // A delete that removed the image's objects while this copy was being made would leave it behind: the
  // row is looked at again once the copy is stored, and a copy without a row goes.
  if (!(await images.findBySeq(image.seq))) {
    await storage.remove(key);
    return false;
  }
  return true;
}
