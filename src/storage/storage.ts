import type { Readable } from 'node:stream';

/**
 * The store did not answer, or answered that it is failing or busy: the request can be tried again later.
 * Its code makes the answer a 503 (src/errors.ts); the message, for the log, names the setting to look at.
 */
export class StorageUnavailable extends Error {
  override name = 'StorageUnavailable';
  readonly code = 'STORAGE_UNAVAILABLE';
}

/** Inclusive byte offsets, as HTTP and S3 count them: `bytes=start-end`. */
export type ByteRange = { start: number; end: number };

export type StoredObject = {
  /** The whole object, or only `range` when a satisfiable range was asked for. The caller must consume or destroy it. */
  body: Readable;
  /** The whole object's size, whatever part `body` holds. */
  size: number;
  contentType: string;
  /** Set when `body` holds only these bytes: the answer is a 206 with Content-Range. */
  range?: ByteRange;
  lastModified: Date;
  etag: string;
  unsatisfiable?: undefined;
};

/** A range that starts past the end: the answer is a 416 with `Content-Range: bytes *\/size`. */
export type Unsatisfiable = { unsatisfiable: true; size: number };

/**
 * Where originals and thumbnails live: a folder on this machine, or an S3 bucket. Keys are flat names
 * (`<uuid>.<format>`), written once and never rewritten, so an object read in two requests (a size, then a
 * range) is the same object both times.
 */
export type Storage = {
  /**
   * Moves the file at fromLocalPath into the store under key: once this resolves, the local file is gone. On a
   * failure the local file stays for the caller to remove. contentType must be the one of the key's extension
   * (contentTypeFor): a folder has nowhere to keep another.
   */
  put(key: string, fromLocalPath: string, contentType: string): Promise<void>;
  /**
   * The stored object, or undefined when there is none. `range` is a Range header's value: a single byte
   * range gives a partial body, one past the end gives Unsatisfiable, and anything else (several ranges,
   * another unit, a malformed one) is ignored and the whole object comes back, as HTTP allows.
   */
  stream(key: string, range?: string): Promise<StoredObject | Unsatisfiable | undefined>;
  /** Removes the object; removing one that is not there is not an error. */
  remove(key: string): Promise<void>;
  /** Every key starting with `prefix`, in byte order, after `startAfter` when given; read page by page. */
  list(prefix?: string, startAfter?: string): AsyncIterable<string>;
  /** Rejects, with a message naming the setting to look at, unless an object can be written, read back and removed. */
  check(): Promise<void>;
  /** Lets go of connections; the storage is not used afterwards. */
  close(): void;
};

// Flat names only: no folders, no `..`, and nothing starting with a dot (the incoming folder, health probes).
const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export function assertKey(key: string): void {
  if (!KEY.test(key)) throw new Error(`not a storage key: ${JSON.stringify(key)}`);
}

/** A list prefix: empty, or the start of a key. */
export function assertPrefix(prefix: string): void {
  if (prefix !== '' && !KEY.test(prefix)) throw new Error(`not a key prefix: ${JSON.stringify(prefix)}`);
}

export const isKey = (name: string): boolean => KEY.test(name);

const TYPES: Record<string, string> = {
  jpeg: 'image/jpeg', jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif',
  avif: 'image/avif', tiff: 'image/tiff',
};

/** The content type of a key, from its extension: the one thing both a folder and a bucket can tell. */
export function contentTypeFor(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  return (key.includes('.') && TYPES[ext]) || 'application/octet-stream';
}

export function assertPut(key: string, contentType: string): void {
  assertKey(key);
  if (contentType !== contentTypeFor(key)) {
    throw new Error(`content type ${contentType} does not match key ${key} (${contentTypeFor(key)})`);
  }
}

/** Byte order, as S3 lists keys (keys are ASCII, so this is also code-unit order). */
export const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
