import { Router, type Request, type Response } from 'express';
import { badRequest, notFound } from '../errors.js';
import { NO_SUCH_IMAGE, ownImage, visibleImage } from './access.js';
import { currentUser } from '../auth/require-user.js';
import { safeReturnPath } from '../auth/validation.js';
import { flash } from '../web/flash.js';
import { wantsJson } from '../web/wants-json.js';
import { downloadName } from './file-names.js';
import type { ImagesRepo, Visibility } from './images-repo.js';
import { lastPageInstead, orderLinks, orderParams, PAGE_SIZE, paginate, parsePageRequest } from './pagination.js';
import { imageJson } from './present.js';
import { parseScope, scopeLinks } from './scope.js';
import type { UsersRepo } from '../auth/users.js';
import { imageKeys } from './storage.js';
import { sendStored } from './send-stored.js';
import { ensureSharedCopy, sharedKey } from './shared-copy.js';
import type { Storage } from '../storage/index.js';
import type { Sealer } from '../web/sealed.js';

type Deps = { images: ImagesRepo; users: Pick<UsersRepo, 'findByUsername'>; storage: Storage; cursors: Sealer; scratchDir: string };


/** How many look-alikes an image's details show (its nearest first). */
const SIMILAR_SHOWN = 6;

export function parseVisibility(raw: unknown): Visibility {
  if (raw === 'public' || raw === 'private') return raw;
  throw badRequest('Choose whether the images are public or private.');
}

export function imagesRoutes({ images, users, storage, cursors, scratchDir }: Deps): Router {
  const router = Router();

  const visible = (req: Request, res: Response) => visibleImage(images, req.params.id, currentUser(res).id);
  const own = (req: Request, res: Response) => ownImage(images, req.params.id, currentUser(res).id);

  router.get('/', async (req, res) => {
    const request = parsePageRequest(req.query, cursors);
    const viewer = currentUser(res);
    const list = await parseScope(req.query, viewer, users);
    const count = { total: await images.countVisible(list.scope), exact: true };
    const place = { base: '/', params: { ...list.params, ...orderParams(request.order) } };
    const last = lastPageInstead(request, count, place);
    if (last) return res.redirect(303, last);
    // Best match first is a search's alone: parsePageRequest refuses it here.
    const page = await images.listVisible(list.scope, request.cursor, PAGE_SIZE, request.order === 'taken' ? 'taken' : 'uploaded');
    const pagination = paginate(request, page, count, { ...place, cursors });
    const sort = request.order === 'taken' ? 'taken' : 'newest';
    if (wantsJson(req)) {
      res.json({ images: page.images.map((image) => imageJson(image, viewer.id)), ...pagination, sort, show: list.show, ...(list.uploader ? { uploader: list.uploader } : {}) });
      return;
    }
    res.render('images/gallery', {
      title: list.title, images: page.images, pagination, order: request.order, orders: orderLinks({ base: '/', params: list.params }),
      list, lists: scopeLinks(orderParams(request.order)),
    });
  });

  router.get('/images/:id', async (req, res) => {
    const image = await visible(req, res);
    const viewer = currentUser(res).id;
    // A failing look-up costs its list, not the page.
    const quietly = <T>(lookUp: Promise<T[]>) => lookUp.catch((err: unknown) => {
      req.log.warn({ err, imageId: image.id }, 'could not look for similar images');
      return [];
    });
    const [similar, alike] = await Promise.all([
      quietly(images.nearCopiesOf(image, viewer, SIMILAR_SHOWN)),
      quietly(images.alikeOf(image, viewer, SIMILAR_SHOWN)),
    ]);
    if (wantsJson(req)) {
      res.json({
        image: imageJson(image, viewer),
        similar: similar.map(({ id, distance }) => ({ id, distance })),
        alike: alike.map(({ id, similarity }) => ({ id, similarity: Math.round(similarity * 1000) / 1000 })),
      });
      return;
    }
    // One row: the copies, then what the model sees alike; a copy is usually alike too, and shown once.
    const copies = new Set(similar.map((twin) => twin.id));
    const shown = [...similar.map((twin) => ({ ...twin, copy: true })), ...alike.filter((other) => !copies.has(other.id)).map((other) => ({ ...other, copy: false }))];
    res.render('images/show', { title: image.originalName, image, similar: shown.slice(0, SIMILAR_SHOWN) });
  });

  /**
   * The owner gets the original as uploaded; anyone else the shared copy, made at the first such request. A row
   * whose object is gone is our fault, but the viewer gets the same 404 as an unknown id and the log gets the rest.
   */
  const send = (which: 'original' | 'thumb', download: boolean) => async (req: Request, res: Response) => {
    const image = await visible(req, res);
    const name = download ? downloadName(image.originalName, image.id, image.format) : undefined;
    const forOthers = which === 'original' && image.ownerId !== currentUser(res).id;
    const key = forOthers ? sharedKey(image) : imageKeys(image)[which];
    if (await sendStored(req, res, storage, key, name)) return;
    if (forOthers && (await ensureSharedCopy(storage, images, image, scratchDir)) && (await sendStored(req, res, storage, key, name))) return;
    req.log.error({ imageId: image.id }, 'a stored file is missing');
    throw notFound(NO_SUCH_IMAGE);
  };
  router.get('/images/:id/file', send('original', false));
  router.get('/images/:id/thumb', send('thumb', false));
  router.get('/images/:id/download', send('original', true));

  router.post('/images/:id/visibility', async (req, res) => {
    const image = await own(req, res);
    const visibility = parseVisibility(req.body?.visibility);
    // Trashed on another tab or server since it was read: as gone as an unknown id, and nothing changed.
    if (!(await images.setVisibility(image, visibility))) throw notFound(NO_SUCH_IMAGE);
    if (wantsJson(req)) {
      res.json({ image: imageJson({ ...image, visibility }, image.ownerId) });
      return;
    }
    await flash(req, 'success', `"${image.originalName}" is now ${visibility}.`);
    res.redirect(303, safeReturnPath(req.body?.next) ?? `/images/${image.id}`);
  });

  return router;
}
