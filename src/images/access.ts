// Who may see and who may change an image: the one place the rules live, for one image and for a selection.
import { badRequest, forbidden, notFound } from '../errors.js';
import type { ImageRecord, ImagesRepo } from './images-repo.js';

export const NO_SUCH_IMAGE = 'There is no image with this id.';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isImageId = (id: string) => UUID.test(id);

/** The most images one action takes: every result of a search up to this, in one request. */
export const MAX_SELECTION = 5000;

/** The image the viewer may see, or the same 404 whether it is missing or someone else's private one. */
export async function visibleImage(images: Pick<ImagesRepo, 'findVisible'>, rawId: unknown, viewerId: number): Promise<ImageRecord> {
  const id = String(rawId).toLowerCase();
  const image = UUID.test(id) ? await images.findVisible(id, viewerId) : undefined;
  if (!image) throw notFound(NO_SUCH_IMAGE);
  return image;
}

/** Only the uploader changes an image; others who may see it get a 403. */
export async function ownImage(images: Pick<ImagesRepo, 'findVisible'>, rawId: unknown, viewerId: number): Promise<ImageRecord> {
  const image = await visibleImage(images, rawId, viewerId);
  if (image.ownerId !== viewerId) throw forbidden('Only the uploader can change this image.');
  return image;
}

/** The ids of a selection (`ids`, repeated in a form or an array in JSON): each an image id, at least one. */
export function parseSelection(raw: unknown): string[] {
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0) throw badRequest('Select at least one image.');
  if (list.length > MAX_SELECTION) throw badRequest(`Select at most ${MAX_SELECTION.toLocaleString('en-US')} images at once.`);
  const ids = list.map((id) => (typeof id === 'string' ? id.toLowerCase() : ''));
  if (!ids.every((id) => UUID.test(id))) throw badRequest('A selected image id is not an image id.');
  return [...new Set(ids)];
}

/**
 * What a selection holds for the viewer: the images they may see (newest first), and how many of the ids
 * they may not (unknown and others' private ones alike: the two must look the same).
 */
export async function visibleSelection(images: Pick<ImagesRepo, 'findVisibleMany'>, ids: readonly string[], viewerId: number) {
  const visible = await images.findVisibleMany(ids, viewerId);
  if (visible.length === 0) throw notFound(ids.length === 1 ? NO_SUCH_IMAGE : 'None of the selected images is there.');
  return { visible, unseen: ids.length - visible.length };
}

/**
 * The viewer's own images of a selection, the ones a change applies to; the others' are left as they are and
 * counted. A selection with none of the viewer's answers as one image would: 403 when they may see one, else 404.
 */
export async function ownSelection(images: Pick<ImagesRepo, 'findVisibleMany'>, ids: readonly string[], viewerId: number) {
  const { visible, unseen } = await visibleSelection(images, ids, viewerId);
  const own = visible.filter((image) => image.ownerId === viewerId);
  if (own.length === 0) throw forbidden(visible.length === 1 ? 'Only the uploader can change this image.' : 'Only the uploader can change these images.');
  return { own, others: visible.length - own.length, unseen };
}
