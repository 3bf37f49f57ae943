import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import multer from 'multer';
import { isCsrfValid, csrfInvalidError } from './csrf.js';
import { removeQuietly } from '../images/storage.js';

/** What the storage engine hands the route for each file. */
export type ReceivedFile = Express.Multer.File & { tooLarge?: boolean };

// Past this, a single file is not worth draining: the whole request is refused with 413.
const HARD_LIMIT_FACTOR = 4;

export const megabytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

/**
 * Streams each file to a temp file under a random name. A file over the per-file limit is not kept
 * but drained, so the other files of the batch still arrive and the user learns which one was too large.
 */
class TempFileStorage implements multer.StorageEngine {
  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly hooks: UploadHooks = {},
  ) {}

  _handleFile(req: Request, file: Express.Multer.File, done: (error?: unknown, info?: Partial<ReceivedFile>) => void): void {
    const target = path.join(this.dir, `${randomUUID()}.part`);
    let size = 0;
    const limiter = new Transform({
      transform: (chunk: Buffer, _encoding, next) => {
        size += chunk.length;
        next(null, size > this.maxBytes ? undefined : chunk);
      },
    });
    pipeline(file.stream, limiter, createWriteStream(target, { flags: 'wx' })).then(
      async () => {
        if (size <= this.maxBytes) {
          this.hooks.onStored?.(req, target);
          return done(null, { path: target, size });
        }
        await removeQuietly(target);
        done(null, { size, tooLarge: true });
      },
      async (err) => {
        await removeQuietly(target);
        done(err);
      },
    );
  }

  /** multer calls this for each file received when the request fails. */
  _removeFile(req: Request, file: ReceivedFile, done: (error: Error | null) => void): void {
    this.hooks.onFailed?.(req);
    removeQuietly(file.path).then(() => done(null), done);
  }
}

/**
 * `onStored` hears of each file the moment it is written (and within the size limit), before the request
 * ends; `onFailed`, as soon as multer gives the request up (too many files, a file far too large, a broken
 * or aborted body), before it removes the files received.
 */
export type UploadHooks = { onStored?: (req: Request, tempPath: string) => void; onFailed?: (req: Request) => void };

export function imageUpload(opts: { incomingDir: string; maxFileBytes: number; maxFiles: number } & UploadHooks) {
  return multer({
    storage: new TempFileStorage(opts.incomingDir, opts.maxFileBytes, { onStored: opts.onStored, onFailed: opts.onFailed }),
    // Browsers send UTF-8 file names; busboy's default would read them as latin1.
    defParamCharset: 'utf8',
    limits: {
      fileSize: opts.maxFileBytes * HARD_LIMIT_FACTOR,
      files: opts.maxFiles,
      fields: 10,
      fieldSize: 1024,
      parts: opts.maxFiles + 10,
    },
    // Forms put _csrf before the files (scripts send a header), so a forged upload is refused
    // before a single byte of it is written.
    fileFilter: (req, _file, accept) => (isCsrfValid(req) ? accept(null, true) : accept(csrfInvalidError)),
  }).array('images', opts.maxFiles);
}
