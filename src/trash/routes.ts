import { Router, type Request, type Response } from 'express';
import { HttpError, notFound } from '../errors.js';
import { currentUser } from '../auth/require-user.js';
import { safeReturnPath } from '../auth/validation.js';
import { flash } from '../web/flash.js';
import { wantsJson } from '../web/wants-json.js';
import { isImageId, MAX_SELECTION, NO_SUCH_IMAGE, ownImage, parseSelection } from '../images/access.js';
import { OverQuota, type ImageRecord, type ImagesRepo } from '../images/images-repo.js';
import { imageKeys, removeDeletedFiles } from '../images/storage.js';
import { storageSize } from '../images/rejections.js';
import { sendStored } from '../images/send-stored.js';
import { scopeLinks } from '../images/scope.js';
import type { Storage } from '../storage/index.js';
import { TRASH_DAYS, TRASH_MS, type TrashedImage, type TrashRepo } from './trash-repo.js';

type Deps = { images: ImagesRepo; trash: TrashRepo; storage: Storage; now: () => number; quotaBytes?: number };

/** The most the trash page lists; the rest wait their turn (the count says how many there are). */
export const TRASH_SHOWN = 500;

const count = (n: number) => `${n.toLocaleString('en-US')} image${n === 1 ? '' : 's'}`;

export const trashedJson = (image: TrashedImage) => ({
  id: image.id, originalName: image.originalName, visibility: image.visibility, width: image.width, height: image.height,
  trashedAt: new Date(image.trashedAt).toISOString(), purgeAt: new Date(image.trashedAt + TRASH_MS).toISOString(),
  thumbUrl: `/trash/${image.id}/thumb`,
});

/** What a trashing answers: the ids moved, and until when they can be restored. */
export async function answerTrashed(req: Request, res: Response, moved: string[], extra: Record<string, unknown>, now: number, text: string, next: string) {
  if (wantsJson(req)) {
    res.json({ trashed: moved, restoreUntil: new Date(now + TRASH_MS).toISOString(), ...extra });
    return;
  }
  await flash(req, 'success', `${text} You can restore ${moved.length === 1 ? 'it' : 'them'} from the trash for ${TRASH_DAYS} days.`);
  res.redirect(303, next);
}

/** Without JavaScript a delete asks first, on a page of its own; scripts and JSON callers have asked already. */
export function confirmTrash(req: Request, res: Response, images: readonly Pick<ImageRecord, 'id' | 'originalName'>[], action: string, next: string, others = 0): boolean {
  if (wantsJson(req) || req.body?.confirmed === 'yes') return false;
  res.render('trash/confirm', {
    title: images.length === 1 ? `Move "${images[0].originalName}" to the trash?` : `Move ${count(images.length)} to the trash?`,
    images, next, action, forever: false, selection: { others },
  });
  return true;
}

/** The owner's trash: a page of their trashed images, each to restore or delete for good, and the purge's date. */
export function trashRoutes({ images, trash, storage, now, quotaBytes }: Deps): Router {
  const router = Router();
  const back = (req: Request, fallback: string) => safeReturnPath(req.body?.next) ?? fallback;
  /** The ids a trash form names (`ids`), or (`all=yes`) the trash, up to the most one action takes, oldest first. */
  const chosen = async (req: Request, res: Response) => {
    const owner = currentUser(res).id;
    const ids = req.body?.all === 'yes' ? undefined : parseSelection(req.body?.ids);
    const picked = await trash.findMany(owner, ids, MAX_SELECTION);
    if (picked.length === 0) throw notFound(req.body?.all === 'yes' ? 'The trash is empty.' : 'None of these images is in your trash.');
    return picked;
  };

  const own = (req: Request, res: Response) => ownImage(images, req.params.id, currentUser(res).id);

  router.post('/images/:id/delete', async (req, res) => {
    const image = await own(req, res);
    const next = back(req, '/');
    // The image's own page is gone once it is in the trash: from there, back to the gallery.
    const after = next.startsWith(`/images/${image.id}`) ? '/' : next;
    if (confirmTrash(req, res, [image], `/images/${image.id}/delete`, after)) return;
    const at = now();
    const moved = await trash.trash(image.ownerId, [image], at);
    if (moved.length === 0) throw notFound(NO_SUCH_IMAGE); // trashed or deleted meanwhile, on another tab or server
    await answerTrashed(req, res, moved, {}, at, `Moved "${image.originalName}" to the trash.`, after);
  });

  router.get('/trash', async (req, res) => {
    const owner = currentUser(res).id;
    const [shown, total] = await Promise.all([trash.list(owner, TRASH_SHOWN), trash.count(owner)]);
    if (wantsJson(req)) {
      res.json({ images: shown.map(trashedJson), total, keptDays: TRASH_DAYS });
      return;
    }
    res.render('trash/index', {
      title: 'Trash', images: shown, total, keptDays: TRASH_DAYS, purgeAt: (image: TrashedImage) => image.trashedAt + TRASH_MS,
      list: { show: 'trash' }, lists: scopeLinks({}),
    });
  });

  router.get('/trash/:id/thumb', async (req, res) => {
    const id = String(req.params.id).toLowerCase();
    const image = isImageId(id) ? await trash.find(currentUser(res).id, id) : undefined;
    if (!image) throw notFound(NO_SUCH_IMAGE);
    if (await sendStored(req, res, storage, imageKeys(image).thumb)) return;
    req.log.error({ imageId: image.id }, 'a stored file is missing');
    throw notFound(NO_SUCH_IMAGE);
  });

  /** After an action on the whole trash, which takes MAX_SELECTION at a time: what is left for the next. */
  const stillThere = async (owner: number) => {
    const left = await trash.count(owner);
    return left ? ` ${count(left)} ${left === 1 ? 'is' : 'are'} still in the trash.` : '';
  };

  router.post('/trash/restore', async (req, res) => {
    const owner = currentUser(res).id;
    const picked = await chosen(req, res);
    const restored = await trash.restore(owner, picked.map((image) => image.id), quotaBytes).catch((err: unknown) => {
      if (err instanceof OverQuota) throw new HttpError(413, `There is no room for ${picked.length === 1 ? 'it' : 'them'} in your storage quota of ${storageSize(quotaBytes!)} (${storageSize(err.left)} left).`);
      throw err;
    });
    // Restored or deleted for good meanwhile (another tab or server): nothing of the caller's to restore.
    if (restored.length === 0) throw notFound('None of these images is in your trash.');
    if (wantsJson(req)) {
      res.json({ restored });
      return;
    }
    const name = restored.length === 1 ? `"${picked.find((image) => image.id === restored[0])!.originalName}"` : count(restored.length);
    await flash(req, 'success', `Restored ${name}.${req.body?.all === 'yes' ? await stillThere(owner) : ''}`);
    res.redirect(303, back(req, '/trash'));
  });

  router.post('/trash/delete', async (req, res) => {
    const owner = currentUser(res).id;
    const picked = await chosen(req, res);
    if (!wantsJson(req) && req.body?.confirmed !== 'yes') {
      const all = req.body?.all === 'yes';
      res.render('trash/confirm', {
        title: all ? 'Empty the trash?' : picked.length === 1 ? `Delete "${picked[0].originalName}" for good?` : `Delete ${count(picked.length)} for good?`,
        images: picked, next: '/trash', action: '/trash/delete', forever: true, all, selection: { others: 0 },
      });
      return;
    }
    // Rows first, with their files recorded as pending: a crash before the files go leaves them to the sweep.
    const gone = await trash.deleteForever(owner, picked.map((image) => image.id), now());
    await removeDeletedFiles(storage, images, gone, req.log);
    if (gone.length === 0) throw notFound('None of these images is in your trash.');
    if (wantsJson(req)) {
      res.json({ deleted: gone.map((files) => files.id) });
      return;
    }
    const name = gone.length === 1 ? `"${picked.find((image) => image.id === gone[0].id)!.originalName}"` : count(gone.length);
    await flash(req, 'success', `Deleted ${name} for good.${req.body?.all === 'yes' ? await stillThere(owner) : ''}`);
    res.redirect(303, '/trash');
  });

  return router;
}
