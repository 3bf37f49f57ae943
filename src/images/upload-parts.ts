import { createRequire } from 'node:module';
import { Transform, type TransformCallback } from 'node:stream';
import multer from 'multer';
import type { Rejection } from './rejections.js';

// busboy's own parsers, so that a part header reads here exactly as busboy would read it.
type BusboyUtils = {
  parseContentType(value: string): { params?: Record<string, string> } | undefined;
  parseDisposition(value: string, decoder: unknown): { type: string; params: Record<string, string> } | undefined;
  getDecoder(charset: string): unknown;
  basename(path: string): string;
};
const busboy = createRequire(import.meta.url)('busboy/lib/utils.js') as BusboyUtils;
const utf8 = busboy.getDecoder('utf8'); // multer's defParamCharset

/** Each part that looked like a file, in order: passed on to busboy (and so to multer), or refused here. */
export type PartEntry = { passed: true } | { passed: false; filename: string; rejection: Rejection };

type Limits = { field: string; maxFiles: number; maxParts: number; maxPartBytes: number };

const MAX_HEADER_BYTES = 16 * 1024; // busboy's own limit
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const CRLF = Buffer.from('\r\n');

/**
 * Sits between the request and busboy and frames the body again: busboy and multer drop some parts without
 * a word (no Content-Disposition, one that is not form-data or cannot be parsed, no file name, a file under
 * another field name, a file name of dots). Every part that looks like a file (its header mentions a file
 * name or a type, or it is named after the file field) either reaches busboy with a header written here,
 * which busboy cannot misread, or is cut out and listed as refused. Other parts pass as they came.
 */
export class UploadParts extends Transform {
  readonly entries: PartEntry[] = [];
  private readonly delimiter: Buffer;
  private pending: Buffer = Buffer.from(CRLF); // busboy too reads the body as if it began with CRLF
  private mode: 'preamble' | 'headers' | 'body' | 'skip' | 'end' = 'preamble';
  private part: { pass: boolean; unnamed?: boolean; bytes: number } = { pass: false, bytes: 0 };
  private dangling = false; // a delimiter went out and what follows it has not
  private parts = 0;

  constructor(
    boundary: string,
    private readonly limits: Limits,
    private readonly fail: (err: Error) => void,
  ) {
    super();
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.mode !== 'end') {
      // Rarely anything is left over from the last chunk (see untilDelimiter), so chunks go on as they came.
      this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      this.advance();
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    // Cut short: what is left goes on as it is, and busboy reports the unexpected end.
    if (this.mode === 'body') this.bodyBytes(this.pending);
    done();
  }

  private advance(): void {
    while (this.mode !== 'end') {
      if (this.mode === 'headers' ? !this.headers() : !this.untilDelimiter()) return;
    }
  }

  /** Body (or preamble, or bytes after a false delimiter) up to the next delimiter; false: needs more input. */
  private untilDelimiter(): boolean {
    const at = this.pending.indexOf(this.delimiter);
    const keep = at === -1 ? this.delimiterStartAtEnd() : this.pending.length - at;
    if (at === -1 || this.pending.length < at + this.delimiter.length + 2) {
      const safe = Math.max(0, this.pending.length - keep);
      this.bodyBytes(this.pending.subarray(0, safe));
      this.pending = this.pending.subarray(safe);
      return false;
    }
    this.bodyBytes(this.pending.subarray(0, at));
    if (this.mode === 'end') return false; // that part was refused and far too large
    this.endPart();
    const after = this.pending.subarray(at + this.delimiter.length, at + this.delimiter.length + 2).toString('latin1');
    this.pending = this.pending.subarray(at + this.delimiter.length + (after === '\r\n' ? 2 : 0));
    if (after === '--') {
      this.send(Buffer.from('--\r\n'));
      this.mode = 'end';
    } else {
      // Like busboy: a delimiter followed by neither "--" nor CRLF still ends the part, and what follows is ignored.
      this.mode = after === '\r\n' ? 'headers' : 'skip';
    }
    return true;
  }

  /**
   * How many of the last bytes could be the start of a delimiter, which the next chunk may complete: those
   * wait, the rest goes on now. Only a CR can begin one (a boundary has none), so this is mostly 0, and a
   * chunk is neither copied nor split in two writes.
   */
  private delimiterStartAtEnd(): number {
    const from = this.pending.lastIndexOf(13);
    const length = this.pending.length - from;
    if (from === -1 || length >= this.delimiter.length) return 0;
    return this.pending.subarray(from).equals(this.delimiter.subarray(0, length)) ? length : 0;
  }

  /** A part's header block; false: needs more input. */
  private headers(): boolean {
    const empty = this.pending.subarray(0, 2).equals(CRLF);
    const end = empty ? 0 : this.pending.indexOf('\r\n\r\n');
    const found = this.pending.indexOf(this.delimiter);
    if ((found !== -1 && (end === -1 || found < end)) || (end === -1 && this.pending.length > MAX_HEADER_BYTES) || end > MAX_HEADER_BYTES) {
      this.stop(new Error('Malformed part header'));
      return true;
    }
    if (end === -1) return false;
    const block = this.pending.subarray(0, end);
    this.pending = this.pending.subarray(end + (empty ? 2 : 4));
    this.mode = 'body';
    if (++this.parts > this.limits.maxParts) this.stop(new multer.MulterError('LIMIT_PART_COUNT'));
    else this.startPart(block);
    return true;
  }

  private startPart(block: Buffer): void {
    const raw = block.toString('latin1');
    const lines = parseHeaderLines(raw);
    const disposition = lines?.get('content-disposition');
    const parsed = disposition === undefined ? undefined : busboy.parseDisposition(disposition, utf8);
    const named = parsed?.params.name;
    const looksLikeFile = /filename|content-type/i.test(raw) || named === this.limits.field;
    if (!looksLikeFile) {
      this.part = { pass: true, bytes: 0 };
      this.sendHeader(block);
      return;
    }
    if (this.entries.length >= this.limits.maxFiles) return this.stop(new multer.MulterError('LIMIT_FILE_COUNT'));
    const given = parsed?.params['filename*'] ?? parsed?.params.filename;
    const filename = given === undefined ? '' : busboy.basename(given);
    const refuse = (rejection: Rejection) => {
      this.part = { pass: false, bytes: 0 };
      this.entries.push({ passed: false, filename, rejection });
    };
    if (!lines || !parsed || parsed.type !== 'form-data' || named === undefined) return refuse({ reason: 'unreadable-part' });
    if (named !== this.limits.field) return refuse({ reason: 'wrong-field', field: named });
    if (given === undefined) return refuse({ reason: 'no-file-name' });
    if (filename === '') {
      // A browser sends an empty file input as a part with no name and no bytes: that is no file. With bytes,
      // it is a file without a usable name; its header waits for the first of them.
      this.part = { pass: true, unnamed: true, bytes: 0 };
      return;
    }
    this.part = { pass: true, bytes: 0 };
    this.entries.push({ passed: true });
    this.sendHeader(fileHeader(this.limits.field, filename));
  }

  private bodyBytes(bytes: Buffer): void {
    if (this.mode !== 'body' || bytes.length === 0) return;
    this.part.bytes += bytes.length;
    if (this.part.pass && this.part.unnamed) {
      this.part.unnamed = false;
      this.entries.push({ passed: true });
      this.sendHeader(fileHeader(this.limits.field, 'unnamed'));
    }
    if (this.part.pass) this.push(bytes);
    // Refused parts are dropped here; one far over the size limit is not worth reading to its end.
    else if (this.part.bytes > this.limits.maxPartBytes) this.stop(new multer.MulterError('LIMIT_FILE_SIZE'));
  }

  /** The part read so far ends: busboy hears of it at once, so a file it is writing ends now, not at the next part. */
  private endPart(): void {
    if (!this.dangling) this.push(this.delimiter);
    this.dangling = true;
    this.part = { pass: false, bytes: 0 };
  }

  private sendHeader(block: Buffer): void {
    this.send(Buffer.concat([CRLF, block, block.length ? Buffer.from('\r\n\r\n') : CRLF]));
  }

  /** After a delimiter that went out. */
  private send(bytes: Buffer): void {
    if (!this.dangling) this.push(this.delimiter);
    this.dangling = false;
    this.push(bytes);
  }

  /** Fails the upload the way busboy's own errors do, then ends busboy's body cleanly so multer can clean up. */
  private stop(err: Error): void {
    this.fail(err);
    this.endPart();
    this.send(Buffer.from('--\r\n'));
    this.mode = 'end';
  }
}

/** Header names (lower case) and their first values, or undefined when a line is not a header. */
function parseHeaderLines(raw: string): Map<string, string> | undefined {
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const line of raw === '' ? [] : raw.split('\r\n')) {
    if (/^[ \t]/.test(line) && last !== undefined) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`); // obsolete line folding, which busboy accepts
      continue;
    }
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (colon < 1 || !HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) return undefined;
    if (!headers.has(name)) headers.set(name, value);
    last = name;
  }
  return headers;
}

/** A header busboy reads as exactly this file: the name as an RFC 5987 extended value, so no character can break it. */
function fileHeader(field: string, filename: string): Buffer {
  const encoded = encodeURIComponent(filename).replace(/['()*!~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Buffer.from(
    `Content-Disposition: form-data; name="${field}"; filename*=UTF-8''${encoded}\r\nContent-Type: application/octet-stream`,
    'latin1',
  );
}

/** The boundary of a multipart body, read as busboy reads it. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  return contentType === undefined ? undefined : busboy.parseContentType(contentType)?.params?.boundary;
}
