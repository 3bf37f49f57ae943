import { Router, type Request, type Response } from 'express';
import type { Config } from '../config.js';
import { badRequest, forbidden, HttpError, notFound } from '../errors.js';
import type { User } from '../auth/users.js';
import { safeReturnPath } from '../auth/validation.js';
import { flash } from '../web/flash.js';
import { isCsrfValid, csrfInvalidError } from '../web/csrf.js';
import { imageUpload, megabytes, type ReceivedFile } from '../web/upload.js';
import { wantsJson } from '../web/wants-json.js';
import { cleanFileName, downloadName } from './file-names.js';
import type { ImageRecord, ImagesRepo, Visibility } from './images-repo.js';
import type { Ingest, IngestResult, IncomingFile } from './ingest.js';
import { PAGE_SIZE, paginate, parsePageRequest } from './pagination.js';
import { imageJson } from './present.js';
import { imagePaths, incomingDir, removeQuietly } from './storage.js';
import multer from 'multer';

type Deps = {
  images: ImagesRepo;
  ingest: Ingest;
  config: Pick<Config, 'uploadDir' | 'maxFileBytes' | 'maxFiles'>;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const currentUser = (res: Response): User => res.locals.user as User;

export function parseVisibility(raw: unknown): Visibility {
  if (raw === 'public' || raw === 'private') return raw;
  throw badRequest('Choose whether the images are public or private.');
}

export function imagesRoutes({ images, ingest, config }: Deps): Router {
  const router = Router();
  const upload = imageUpload({ incomingDir: incomingDir(config.uploadDir), maxFileBytes: config.maxFileBytes, maxFiles: config.maxFiles });

  /** The image the viewer may see, or the same 404 whether it is missing or someone else's private one. */
  const visibleImage = (req: Request, res: Response): ImageRecord => {
    const id = String(req.params.id).toLowerCase();
    const image = UUID.test(id) ? images.findVisible(id, currentUser(res).id) : undefined;
    if (!image) throw notFound('There is no image with this id.');
    return image;
  };
  const ownImage = (req: Request, res: Response): ImageRecord => {
    const image = visibleImage(req, res);
    if (image.ownerId !== currentUser(res).id) throw forbidden('Only the uploader can change this image.');
    return image;
  };

  const renderUploadPage = (res: Response, status: number, results: IngestResult[], visibility: Visibility) =>
    res.status(status).render('images/upload', { title: 'Upload', results, visibility });

  router.get('/', (req, res) => {
    const request = parsePageRequest(req.query);
    const viewer = currentUser(res).id;
    const page = images.listVisible(viewer, request.cursor, PAGE_SIZE);
    const pagination = paginate(request, page, images.countVisible(viewer), '/');
    if (wantsJson(req)) {
      res.json({ images: page.images.map(imageJson), ...pagination });
      return;
    }
    res.render('images/gallery', { title: 'All images', images: page.images, pagination });
  });

  router.get('/upload', (_req, res) => {
    renderUploadPage(res, 200, [], 'public');
  });

  router.post('/images', async (req, res) => {
    await receive(upload, req, res, config.maxFiles);
    const files = (req.files as ReceivedFile[] | undefined) ?? [];
    const incoming: IncomingFile[] = files.map((f) => ({
      originalName: cleanFileName(f.originalname) || 'unnamed',
      size: f.size,
      tempPath: f.path,
      rejection: f.tooLarge ? `too large: ${megabytes(f.size)}, the limit is ${megabytes(config.maxFileBytes)}` : undefined,
    }));
    let visibility: Visibility;
    try {
      if (!isCsrfValid(req)) throw csrfInvalidError;
      visibility = parseVisibility(req.body?.visibility);
      if (incoming.length === 0) throw badRequest('Choose at least one image to upload.');
    } catch (err) {
      await removeQuietly(...incoming.map((f) => f.tempPath));
      throw err;
    }
    const results = await ingest.ingestAll(incoming, currentUser(res), visibility);
    const accepted = results.filter((r) => r.ok).length;
    const status = accepted > 0 ? 200 : uploadFailureStatus(results);
    if (wantsJson(req)) {
      const html = await Promise.all(results.map((r) => (r.ok ? renderCard(res, r.image) : undefined)));
      res.status(status).json({ results: results.map((r, i) => (r.ok ? { ...r, image: imageJson(r.image), html: html[i] } : r)) });
      return;
    }
    if (accepted === 0) {
      renderUploadPage(res, status, results, visibility);
      return;
    }
    flash(req, results.length === accepted ? 'success' : 'error', uploadSummary(results));
    res.redirect(303, '/');
  });

  router.get('/images/:id', (req, res) => {
    const image = visibleImage(req, res);
    if (wantsJson(req)) {
      res.json({ image: imageJson(image) });
      return;
    }
    res.render('images/show', { title: image.originalName, image });
  });

  const sendStored = (which: 'original' | 'thumb') => (req: Request, res: Response) => {
    const image = visibleImage(req, res);
    const file = imagePaths(config.uploadDir, image)[which];
    // Revalidated on every use, so an image made private stops showing from caches too.
    res.sendFile(file, {
      headers: {
        'Content-Type': which === 'thumb' ? 'image/webp' : `image/${image.format}`,
        'Cache-Control': 'private, no-cache',
        'X-Content-Type-Options': 'nosniff',
      },
    });
  };
  router.get('/images/:id/file', sendStored('original'));
  router.get('/images/:id/thumb', sendStored('thumb'));
  router.get('/images/:id/download', (req, res) => {
    const image = visibleImage(req, res);
    res.download(imagePaths(config.uploadDir, image).original, downloadName(image.originalName, image.id, image.format), {
      headers: { 'Content-Type': `image/${image.format}`, 'Cache-Control': 'private, no-cache', 'X-Content-Type-Options': 'nosniff' },
    });
  });

  router.post('/images/:id/visibility', (req, res) => {
    const image = ownImage(req, res);
    const visibility = parseVisibility(req.body?.visibility);
    images.setVisibility(image.seq, visibility);
    if (wantsJson(req)) {
      res.json({ image: imageJson({ ...image, visibility }) });
      return;
    }
    flash(req, 'success', `"${image.originalName}" is now ${visibility}.`);
    res.redirect(303, safeReturnPath(req.body?.next) ?? `/images/${image.id}`);
  });

  router.post('/images/:id/delete', async (req, res) => {
    const image = ownImage(req, res);
    images.delete(image.seq);
    // Row first: a crash before the files go leaves orphans that start-up removes, never a row without files.
    const paths = imagePaths(config.uploadDir, image);
    await removeQuietly(paths.original, paths.thumb);
    if (wantsJson(req)) {
      res.json({ deleted: image.id });
      return;
    }
    flash(req, 'success', `Deleted "${image.originalName}".`);
    const next = safeReturnPath(req.body?.next);
    res.redirect(303, next && !next.startsWith(`/images/${image.id}`) ? next : '/');
  });

  return router;
}

/** Runs multer as a promise, turning its limits into messages that name the limit. */
function receive(upload: ReturnType<typeof imageUpload>, req: Request, res: Response, maxFiles: number): Promise<void> {
  return new Promise((resolve, reject) =>
    upload(req, res, (err: unknown) => {
      if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_COUNT') {
        return reject(new HttpError(413, `Too many files: at most ${maxFiles} in one upload.`));
      }
      if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE') {
        return reject(new HttpError(413, 'A file is far over the size limit; nothing was uploaded.'));
      }
      return err ? reject(err) : resolve();
    }),
  );
}

function uploadFailureStatus(results: IngestResult[]): number {
  const errors = results.flatMap((r) => (r.ok ? [] : [r.error]));
  if (errors.every((e) => e.startsWith('too large'))) return 413;
  if (errors.every((e) => /^(not an image|unsupported)/.test(e))) return 415;
  return 400;
}

function uploadSummary(results: IngestResult[]): string {
  const accepted = results.filter((r) => r.ok).length;
  const rejected = results.flatMap((r) => (r.ok ? [] : [`${r.filename} (${r.error})`]));
  const uploaded = `Uploaded ${accepted} image${accepted === 1 ? '' : 's'}.`;
  return rejected.length ? `${uploaded} Not uploaded: ${rejected.join('; ')}.` : uploaded;
}

function renderCard(res: Response, image: ImageRecord): Promise<string> {
  return new Promise((resolve, reject) =>
    res.app.render('images/card', { ...res.locals, image }, (err, html) => (err ? reject(err) : resolve(html))),
  );
}
