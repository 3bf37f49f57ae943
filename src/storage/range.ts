import type { ByteRange, StoredObject, Unsatisfiable } from './storage.js';

/** One byte range as written, before the object's size is known: `a-b`, `a-` or `-n` (the last n bytes). */
export type RangeSpec = { start: number; end?: number } | { suffix: number };

const SINGLE = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

/**
 * A Range header's one byte range, or undefined when the header is to be ignored and the whole object sent:
 * absent, another unit, several ranges (HTTP lets a server send the whole instead), or malformed (`5-2`).
 */
export function parseRangeSpec(header: string | undefined): RangeSpec | undefined {
  const match = header === undefined ? null : SINGLE.exec(header);
  if (!match) return undefined;
  const [first, last] = [match[1], match[2]];
  const number = (digits: string) => (digits.length <= 15 ? Number(digits) : Number.NaN);
  if (first === '') return last === '' || Number.isNaN(number(last)) ? undefined : { suffix: number(last) };
  const start = number(first);
  if (Number.isNaN(start)) return undefined;
  if (last === '') return { start };
  const end = number(last);
  return Number.isNaN(end) || end < start ? undefined : { start, end };
}

/** The bytes a spec asks for in an object of `size` bytes, or 'unsatisfiable' when there are none (RFC 9110 14.1.2). */
export function resolveRange(spec: RangeSpec, size: number): ByteRange | 'unsatisfiable' {
  if ('suffix' in spec) {
    return spec.suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - spec.suffix), end: size - 1 };
  }
  if (spec.start >= size) return 'unsatisfiable';
  return { start: spec.start, end: Math.min(spec.end ?? size - 1, size - 1) };
}

/** A Range header against an object of `size` bytes: the bytes to send, 'unsatisfiable' (416), or undefined (send it all). */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const spec = parseRangeSpec(header);
  return spec && resolveRange(spec, size);
}

/**
 * The status and headers that answer a stream() result: 200 with the whole object, 206 with Content-Range,
 * or 416 with `Content-Range: bytes *\/size` (and no body). The caller adds its own headers and pipes the body.
 */
export function rangeResponse(found: StoredObject | Unsatisfiable): { status: 200 | 206 | 416; headers: Record<string, string> } {
  if (found.unsatisfiable) return { status: 416, headers: { 'Content-Range': `bytes */${found.size}`, 'Accept-Ranges': 'bytes' } };
  const headers: Record<string, string> = {
    'Content-Type': found.contentType,
    'Accept-Ranges': 'bytes',
    'Last-Modified': found.lastModified.toUTCString(),
    ETag: found.etag,
  };
  if (!found.range) return { status: 200, headers: { ...headers, 'Content-Length': String(found.size) } };
  const { start, end } = found.range;
  return {
    status: 206,
    headers: { ...headers, 'Content-Length': String(end - start + 1), 'Content-Range': `bytes ${start}-${end}/${found.size}` },
  };
}
