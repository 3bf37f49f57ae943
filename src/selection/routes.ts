import { Router, type Request, type Response } from 'express';
import { currentUser } from '../auth/require-user.js';
import { safeReturnPath } from '../auth/validation.js';
import { flash } from '../web/flash.js';
import { wantsJson } from '../web/wants-json.js';
import { notFound } from '../errors.js';
import { idsOfList, type ListDeps } from './lists.js';
import type { Storage } from '../storage/index.js';
import { ownSelection, parseSelection, visibleSelection } from '../images/access.js';
import { downloadName } from '../images/file-names.js';
import type { ImageRecord, ImagesRepo } from '../images/images-repo.js';
import { parseVisibility } from '../images/routes.js';
import { ensureSharedCopy, sharedKey } from '../images/shared-copy.js';
import { imageKeys } from '../images/storage.js';
import { answerTrashed, confirmTrash } from '../trash/routes.js';
import type { TrashRepo } from '../trash/trash-repo.js';
import { sendZip, uniqueEntryNames, type ZipEntry } from './zip.js';
import type { CorrectionsRepo } from '../corrections/corrections-repo.js';
import { MAX_TAGS, parseTag } from '../corrections/edits.js';

type Deps = { images: ImagesRepo; trash: TrashRepo; corrections: CorrectionsRepo; storage: Storage; now: () => number; scratchDir: string; users: ListDeps['users']; search: ListDeps['search'] };

const count = (n: number, one = 'image', many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** What a change left alone: others' images, and ids the viewer cannot see (told apart from nothing). */
function leftAlone(others: number, unseen: number): string {
  const parts = [others ? `${count(others)} of other people` : '', unseen ? `${count(unseen)} no longer there` : ''].filter(Boolean);
  return parts.length ? ` Left as they are: ${parts.join(', ')}.` : '';
}

/**
 * Actions on many images at once (`ids`, up to MAX_SELECTION): one request and one transaction each. The owner's
 * images change; in the same selection, others' are left as they are and only downloaded.
 */
export function selectionRoutes({ images, trash, corrections, storage, now, scratchDir, users, search }: Deps): Router {
  const router = Router();
  const back = (req: Request) => safeReturnPath(req.body?.next) ?? '/';
  /** The checked ids, or (`all`: a list's address) every image of that list. */
  const selected = async (req: Request, res: Response) => {
    if (req.body?.all === undefined || req.body.all === '') return parseSelection(req.body?.ids);
    const ids = await idsOfList(req.body.all, currentUser(res), { images, users, search });
    if (ids.length === 0) throw notFound('The list holds no image.');
    return ids;
  };

  router.post('/selection/visibility', async (req, res) => {
    const viewer = currentUser(res).id;
    const visibility = parseVisibility(req.body?.visibility);
    const ids = await selected(req, res);
    const { own, others, unseen } = await ownSelection(images, ids, viewer);
    const changed = await images.setVisibilityMany(viewer, own, visibility);
    // Own images trashed meanwhile (another tab or server) are no longer there: counted with the unseen.
    const gone = unseen + own.length - changed.length;
    if (wantsJson(req)) {
      res.json({ changed, visibility, others, unseen: gone });
      return;
    }
    await flash(req, 'success', `${count(changed.length, 'image is', 'images are')} now ${visibility}.${leftAlone(others, gone)}`);
    res.redirect(303, back(req));
  });

  router.post('/selection/tag', async (req, res) => {
    const viewer = currentUser(res).id;
    const tag = parseTag(req.body?.tag);
    const ids = await selected(req, res);
    const { own, others, unseen } = await ownSelection(images, ids, viewer);
    const { tagged, full } = await corrections.tagMany(viewer, own, tag, now());
    const gone = unseen + own.length - tagged.length - full.length;
    if (wantsJson(req)) {
      res.json({ tagged, tag, full, others, unseen: gone });
      return;
    }
    const tooMany = full.length ? ` ${count(full.length, 'image has', 'images have')} ${MAX_TAGS} tags already and did not get it.` : '';
    await flash(req, 'success', `Tagged ${count(tagged.length)} "${tag}".${tooMany}${leftAlone(others, gone)}`);
    res.redirect(303, back(req));
  });

  router.post('/selection/delete', async (req, res) => {
    const viewer = currentUser(res).id;
    const ids = await selected(req, res);
    const { own, others, unseen } = await ownSelection(images, ids, viewer);
    const next = back(req);
    // The page of an image that goes is gone with it: from there, back to the gallery.
    const after = own.some((image) => next.startsWith(`/images/${image.id}`)) ? '/' : next;
    if (confirmTrash(req, res, own, '/selection/delete', after, others)) return;
    const at = now();
    const moved = await trash.trash(viewer, own, at);
    const gone = unseen + own.length - moved.length;
    await answerTrashed(req, res, moved, { others, unseen: gone }, at, `Moved ${count(moved.length)} to the trash.${leftAlone(others, gone)}`, after);
  });

  /** The owner's originals as uploaded; others' images as anyone but the owner gets them (the shared copy). */
  const entryFor = (image: ImageRecord, viewer: number, name: string): ZipEntry => ({
    name,
    mtime: new Date(image.createdAt),
    open: async () => {
      const key = image.ownerId === viewer ? imageKeys(image).original : sharedKey(image);
      const read = async () => {
        const found = await storage.stream(key);
        return found && !found.unsatisfiable ? found.body : undefined;
      };
      const body = await read();
      if (body || image.ownerId === viewer) return body;
      return (await ensureSharedCopy(storage, images, image, scratchDir)) ? read() : undefined;
    },
  });

  router.post('/selection/download', async (req: Request, res: Response) => {
    const viewer = currentUser(res).id;
    const { visible } = await visibleSelection(images, await selected(req, res), viewer);
    const names = uniqueEntryNames(visible.map((image) => downloadName(image.originalName, image.id, image.format)));
    const day = new Date(now()).toISOString().slice(0, 10);
    await sendZip(res, `image-repo-${day}.zip`, visible.map((image, i) => entryFor(image, viewer, names[i])), req.log);
  });

  return router;
}
