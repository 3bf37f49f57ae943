import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import multer from 'multer';
import { isCsrfValid, csrfInvalidError } from './csrf.js';
import { removeQuietly } from '../images/storage.js';

/**
 * What the storage engine hands the route for each file; a file with a `refusal` was drained, not kept. A kept
 * file has the hex SHA-256 of its bytes, taken as they streamed past, so no one reads the file again for it.
 */
export type ReceivedFile = Express.Multer.File & { refusal?: 'too-large' | 'no-room'; sha256?: string };

// Past this, a single file is not worth draining: the whole request is refused with 413.
export const HARD_LIMIT_FACTOR = 4;
export const FIELDS = 10;

export const megabytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

/**
 * Streams each file to a temp file under a random name. A file over the per-file limit, or one that `mayKeep`
 * finds no room for, is not kept but drained, so the other files of the batch still arrive and the user
 * learns which one was refused.
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
    let written = 0;
    let refusal: ReceivedFile['refusal'];
    const hash = createHash('sha256');
    const limiter = new Transform({
      transform: (chunk: Buffer, _encoding, next) => {
        size += chunk.length;
        if (!refusal && size > this.maxBytes) refusal = 'too-large';
        if (!refusal && this.hooks.mayKeep && !this.hooks.mayKeep(req, chunk.length)) refusal = 'no-room';
        if (refusal) return next();
        written += chunk.length;
        hash.update(chunk);
        next(null, chunk);
      },
    });
    pipeline(file.stream, limiter, createWriteStream(target, { flags: 'wx' })).then(
      async () => {
        if (!refusal) {
          const sha256 = hash.digest('hex');
          this.hooks.onStored?.(req, { tempPath: target, bytes: size, sha256 });
          return done(null, { path: target, size, sha256 });
        }
        await removeQuietly(target);
        this.hooks.released?.(req, written);
        done(null, { size, refusal });
      },
      async (err) => {
        await removeQuietly(target);
        this.hooks.released?.(req, written);
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
 * or aborted body), before it removes the files received. `mayKeep` is asked before each chunk of a file is
 * written (false: no room, the file is drained); `released` hears of the bytes it allowed for a file that
 * was not kept after all.
 */
export type UploadHooks = {
  onStored?: (req: Request, file: { tempPath: string; bytes: number; sha256: string }) => void;
  onFailed?: (req: Request) => void;
  mayKeep?: (req: Request, bytes: number) => boolean;
  released?: (req: Request, bytes: number) => void;
};

/** Feeds the request's body to busboy; the default pipes it straight in. */
export type StreamHandler = (req: Request, busboy: NodeJS.WritableStream) => void;

type UploadOptions = { incomingDir: string; maxFileBytes: number; maxFiles: number; streamHandler?: StreamHandler } & UploadHooks;

export function imageUpload({ incomingDir, maxFileBytes, maxFiles, streamHandler, ...hooks }: UploadOptions) {
  return multer({
    storage: new TempFileStorage(incomingDir, maxFileBytes, hooks),
    ...multerExtras(streamHandler),
    // Browsers send UTF-8 file names; busboy's default would read them as latin1.
    defParamCharset: 'utf8',
    limits: {
      fileSize: maxFileBytes * HARD_LIMIT_FACTOR,
      files: maxFiles,
      fields: FIELDS,
      fieldSize: 1024,
      parts: maxFiles + FIELDS,
    },
    // Forms put _csrf before the files (scripts send a header), so a forged upload is refused
    // before a single byte of it is written.
    fileFilter: (req, _file, accept) => (isCsrfValid(req) ? accept(null, true) : accept(csrfInvalidError)),
  }).array('images', maxFiles);
}

// multer 2.5 takes a streamHandler; its type definitions do not list it yet.
const multerExtras = (streamHandler: StreamHandler | undefined): object => (streamHandler ? { streamHandler } : {});
