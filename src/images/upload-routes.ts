import { Router, type Request, type Response } from 'express';
import multer from 'multer';
import type { Config } from '../config.js';
import { badRequest, HttpError } from '../errors.js';
import { flash } from '../web/flash.js';
import { isCsrfValid, csrfInvalidError } from '../web/csrf.js';
import { FIELDS, HARD_LIMIT_FACTOR, imageUpload, type ReceivedFile } from '../web/upload.js';
import { wantsJson } from '../web/wants-json.js';
import { cleanFileName } from './file-names.js';
import type { ImageRecord } from './images-repo.js';
import type { Ingest, IngestBatch, IngestResult, IncomingFile, UploadChoices } from './ingest.js';
import { imageJson } from './present.js';
import { currentUser } from '../auth/require-user.js';
import { parseVisibility } from './routes.js';
import { incomingDir, removeQuietly } from './storage.js';
import type { QuotaAccount, Usage } from './quota.js';
import { REJECTION_STATUS, type Rejection } from './rejections.js';
import { boundaryOf, UploadParts, type PartEntry } from './upload-parts.js';
import type { Metrics } from '../metrics/metrics.js';

type Deps = { ingest: Ingest; config: Pick<Config, 'uploadDir' | 'maxFileBytes' | 'maxFiles'>; metrics?: Metrics };

// A busy server's answer: long enough for the decodes ahead to finish.
const RETRY_AFTER_SECONDS = '10';

/** GET /upload (the form that works without JavaScript, or the quota's usage as JSON) and POST /images. */
export function uploadRoutes({ ingest, config, metrics }: Deps): Router {
  const router = Router();
  // Each file is analysed and classified as soon as it is on disk, while later files are still arriving;
  // its bytes count against its owner's quota from the moment they arrive.
  const batches = new WeakMap<Request, IngestBatch>();
  const accounts = new WeakMap<Request, QuotaAccount>();
  const parts = new WeakMap<Request, PartEntry[]>();
  const limits = { field: 'images', maxFiles: config.maxFiles, maxParts: config.maxFiles + FIELDS, maxPartBytes: config.maxFileBytes * HARD_LIMIT_FACTOR };
  const upload = imageUpload({
    incomingDir: incomingDir(config.uploadDir),
    maxFileBytes: config.maxFileBytes,
    maxFiles: config.maxFiles,
    onStored: (req, file) => batches.get(req)?.received(file),
    onFailed: (req) => batches.get(req)?.stop(),
    mayKeep: (req, bytes) => accounts.get(req)?.take(bytes) ?? true,
    released: (req, bytes) => accounts.get(req)?.giveBack(bytes),
    streamHandler: (req, busboy) => {
      const boundary = boundaryOf(req.headers['content-type']);
      if (boundary === undefined) return void req.pipe(busboy); // busboy has refused it already
      const tap = new UploadParts(boundary, limits, (err) => busboy.emit('error', err));
      parts.set(req, tap.entries);
      req.pipe(tap).pipe(busboy);
    },
  });

  const renderUploadPage = (res: Response, status: number, results: IngestResult[], choices: UploadChoices, usage: Usage | null) =>
    res.status(status).render('images/upload', { title: 'Upload', results, ...choices, usage });

  router.get('/upload', async (req, res) => {
    const usage = await ingest.quota.usage(currentUser(res));
    if (wantsJson(req)) return void res.json({ usage });
    renderUploadPage(res, 200, [], { visibility: 'private', keepCopies: false }, usage);
  });

  router.post('/images', async (req, res) => {
    // Every answer, the refusals of the whole request (a bad CSRF token, say) among them.
    if (metrics) res.once('finish', () => metrics.uploads.inc({ status: res.statusCode }));
    const owner = currentUser(res);
    const account = await ingest.quota.open(owner);
    if (account) accounts.set(req, account);
    let results: IngestResult[];
    let choices: UploadChoices;
    try {
      ({ results, choices } = await receiveAndStore(req, res, account));
    } finally {
      account?.close();
    }
    for (const r of results) metrics?.files.inc({ outcome: r.ok ? 'stored' : r.reason });
    const accepted = results.filter((r) => r.ok).length;
    const status = uploadStatus(results);
    if (status === 503) res.set('Retry-After', RETRY_AFTER_SECONDS);
    const usage = await ingest.quota.usage(owner);
    if (wantsJson(req)) {
      const html = await Promise.all(results.map((r) => (r.ok ? renderCard(res, r.image) : undefined)));
      const json = results.map((r, i) => (r.ok ? { ...r, image: imageJson(r.image, r.image.ownerId), html: html[i] } : r));
      res.status(status).json({ results: json, ...(usage ? { usage } : {}) });
      return;
    }
    if (accepted === 0) {
      renderUploadPage(res, status, results, choices, usage);
      return;
    }
    await flash(req, results.length === accepted ? 'success' : 'error', uploadSummary(results));
    res.redirect(303, '/');
  });

  /** The request's files, checked (CSRF, visibility) and then analysed, classified and stored or refused. */
  async function receiveAndStore(req: Request, res: Response, account: QuotaAccount | undefined) {
    // Fields arrive before the files in our forms, so whether copies are kept is known as each file lands.
    const batch = ingest.startBatch(currentUser(res), () => !keepsCopies(req.body?.duplicates));
    batches.set(req, batch);
    try {
      await receive(upload, req, res, config.maxFiles);
    } catch (err) {
      await batch.abandon(); // multer has removed the files it received; the work on them is dropped too
      throw err;
    }
    const received = (req.files as ReceivedFile[] | undefined) ?? [];
    const incoming = incomingFiles(parts.get(req), received, (f) => refusalOf(f, account));
    let choices: UploadChoices;
    try {
      if (!isCsrfValid(req)) throw csrfInvalidError;
      choices = { visibility: parseVisibility(req.body?.visibility), keepCopies: parseCopies(req.body?.duplicates) };
      if (incoming.length === 0) throw badRequest('Choose at least one image to upload.');
    } catch (err) {
      await batch.abandon(); // removes the files it started on, once nothing reads them any more
      await removeQuietly(...incoming.map((f) => f.tempPath));
      throw err;
    }
    const results = await batch.finish(incoming, choices);
    // The bytes of stored files now count as stored; those of refused files (removed) count no more.
    for (const [i, result] of results.entries()) {
      if (result.ok) account?.kept(incoming[i].size);
      else if (incoming[i].tempPath) account?.giveBack(incoming[i].size);
    }
    return { results, choices };
  }

  function refusalOf(file: ReceivedFile, account: QuotaAccount | undefined): Rejection | undefined {
    if (file.refusal === 'too-large') return { reason: 'too-large', bytes: file.size, limit: config.maxFileBytes };
    if (file.refusal === 'no-room') return { reason: 'over-quota', quota: ingest.quota.bytes ?? 0, left: account?.left() ?? 0 };
    return undefined;
  }

  return router;
}

const keepsCopies = (value: unknown) => value === 'keep';

/** The upload's `duplicates` field: "keep" stores files the owner already has; left out, they are refused. */
function parseCopies(value: unknown): boolean {
  if (value === undefined || value === '' || value === 'skip') return false;
  if (keepsCopies(value)) return true;
  throw badRequest('duplicates must be "keep" or "skip".');
}

/** One entry per part that looked like a file, in the order sent: the files multer kept, and those refused before it. */
function incomingFiles(entries: PartEntry[] | undefined, received: ReceivedFile[], refusalOf: (f: ReceivedFile) => Rejection | undefined): IncomingFile[] {
  const passed = entries?.filter((e) => e.passed).length ?? received.length;
  if (passed !== received.length) throw new Error(`multipart: ${passed} file parts passed on, ${received.length} received`);
  let next = 0;
  return (entries ?? received.map((): PartEntry => ({ passed: true }))).map((entry): IncomingFile => {
    if (!entry.passed) return { originalName: cleanFileName(entry.filename) || 'unnamed', size: 0, rejection: entry.rejection };
    const f = received[next++];
    return { originalName: cleanFileName(f.originalname) || 'unnamed', size: f.size, tempPath: f.path, sha256: f.sha256, rejection: refusalOf(f) };
  });
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

/** 200 when anything was stored; else the status of the one reason all files share, or 400 for a mix. */
function uploadStatus(results: IngestResult[]): number {
  if (results.some((r) => r.ok)) return 200;
  const statuses = new Set(results.flatMap((r) => (r.ok ? [] : [REJECTION_STATUS[r.reason]])));
  return statuses.size === 1 ? [...statuses][0] : 400;
}

function uploadSummary(results: IngestResult[]): string {
  const accepted = results.filter((r) => r.ok).length;
  const rejected = results.flatMap((r) => (r.ok ? [] : [`${r.filename} (${r.error})`]));
  const similar = results.flatMap((r) => (r.ok && r.similarTo ? [r.filename] : []));
  const uploaded = `Uploaded ${accepted} image${accepted === 1 ? '' : 's'}.`;
  const alike = similar.length ? ` ${similar.length === 1 ? 'It looks' : 'These look'} like a photo you already have: ${similar.join(', ')}.` : '';
  return rejected.length ? `${uploaded}${alike} Not uploaded: ${rejected.join('; ')}.` : `${uploaded}${alike}`;
}

function renderCard(res: Response, image: ImageRecord): Promise<string> {
  return new Promise((resolve, reject) =>
    // Its owner buttons submit the gallery's own #image-actions form, which returns to the gallery.
    res.app.render('images/cards', { ...res.locals, images: [image] }, (err, html) => (err ? reject(err) : resolve(html))),
  );
}
