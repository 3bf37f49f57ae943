import { Router, type Request, type Response } from 'express';
import multer from 'multer';
import type { Config } from '../config.js';
import { badRequest, HttpError } from '../errors.js';
import { flash } from '../web/flash.js';
import { isCsrfValid, csrfInvalidError } from '../web/csrf.js';
import { imageUpload, megabytes, type ReceivedFile } from '../web/upload.js';
import { wantsJson } from '../web/wants-json.js';
import { cleanFileName } from './file-names.js';
import type { ImageRecord, Visibility } from './images-repo.js';
import type { Ingest, IngestBatch, IngestResult, IncomingFile } from './ingest.js';
import { imageJson } from './present.js';
import { currentUser } from '../auth/require-user.js';
import { parseVisibility } from './routes.js';
import { incomingDir, removeQuietly } from './storage.js';

type Deps = { ingest: Ingest; config: Pick<Config, 'uploadDir' | 'maxFileBytes' | 'maxFiles'> };

/** GET /upload (the form that works without JavaScript) and POST /images (form or script). */
export function uploadRoutes({ ingest, config }: Deps): Router {
  const router = Router();
  // Each file is analysed and classified as soon as it is on disk, while later files are still arriving.
  const batches = new WeakMap<Request, IngestBatch>();
  const upload = imageUpload({
    incomingDir: incomingDir(config.uploadDir),
    maxFileBytes: config.maxFileBytes,
    maxFiles: config.maxFiles,
    onStored: (req, tempPath) => batches.get(req)?.received(tempPath),
    onFailed: (req) => batches.get(req)?.stop(),
  });

  const renderUploadPage = (res: Response, status: number, results: IngestResult[], visibility: Visibility) =>
    res.status(status).render('images/upload', { title: 'Upload', results, visibility });

  router.get('/upload', (_req, res) => {
    renderUploadPage(res, 200, [], 'public');
  });

  router.post('/images', async (req, res) => {
    const batch = ingest.startBatch();
    batches.set(req, batch);
    try {
      await receive(upload, req, res, config.maxFiles);
    } catch (err) {
      await batch.abandon(); // multer has removed the files it received; the work on them is dropped too
      throw err;
    }
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
      await batch.abandon(); // removes the files it started on, once nothing reads them any more
      await removeQuietly(...incoming.map((f) => f.tempPath));
      throw err;
    }
    const results = await batch.finish(incoming, currentUser(res), visibility);
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
    // Its owner buttons submit the gallery's own #image-actions form, which returns to the gallery.
    res.app.render('images/cards', { ...res.locals, images: [image] }, (err, html) => (err ? reject(err) : resolve(html))),
  );
}
