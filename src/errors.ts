import multer from 'multer';
import { isDatabaseUnavailable } from './db/errors.js';

/** The one error type routes throw; `expose` says whether its message may reach the user. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly expose = status < 500,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const forbidden = (message = 'You cannot do that.') => new HttpError(403, message);
export const notFound = (message = 'There is nothing here.') => new HttpError(404, message);

const MULTER_MESSAGES: Record<string, [number, string]> = {
  LIMIT_FILE_SIZE: [413, 'A file is too large.'],
  LIMIT_FILE_COUNT: [413, 'Too many files in one upload.'],
  LIMIT_PART_COUNT: [413, 'Too many parts in the form.'],
  LIMIT_FIELD_COUNT: [413, 'Too many fields in the form.'],
  LIMIT_FIELD_VALUE: [413, 'A form field is too long.'],
  LIMIT_FIELD_KEY: [413, 'A form field name is too long.'],
  LIMIT_UNEXPECTED_FILE: [400, 'Unexpected file field: use "images".'],
  MISSING_FIELD_NAME: [400, 'A form field has no name.'],
};

// busboy's plain Errors for a body or Content-Type it cannot read (a multipart type without a boundary,
// multipart/mixed, a body cut short): the client's mistake, so a 400 and not a 500.
const BUSBOY_REFUSALS =
  /^(Unexpected end of (form|file)|Malformed part header|Malformed content type|Multipart: Boundary not found|Unsupported content type: .*)$/;

/** Maps whatever was thrown to an HttpError; unknown errors become a 500 that hides its message. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof multer.MulterError) {
    const [status, message] = MULTER_MESSAGES[err.code] ?? [400, 'The upload could not be read.'];
    return new HttpError(status, message);
  }
  const e = err as { status?: unknown; type?: unknown; code?: unknown; message?: unknown };
  if (e?.code === 'STORAGE_UNAVAILABLE') return new HttpError(503, 'The image storage is not answering right now. Try again in a minute.', true);
  if (isDatabaseUnavailable(err)) return new HttpError(503, 'The database is not answering right now. Try again in a minute.', true);
  if (e?.code === 'EBADCSRFTOKEN') return new HttpError(403, 'The form has expired or did not come from this site. Reload the page and try again.');
  if (e?.type === 'entity.too.large') return new HttpError(413, 'The request is too large.');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    // body-parser, busboy and send errors: client mistakes such as malformed bodies. Their messages can
    // name server paths (send's ENOENT), so only the status is kept.
    return new HttpError(e.status, e.status === 404 ? 'There is nothing here.' : 'The request could not be read.');
  }
  if (typeof e?.message === 'string' && BUSBOY_REFUSALS.test(e.message)) {
    return new HttpError(400, 'The upload was cut off or malformed.');
  }
  return new HttpError(500, 'Something went wrong on our side.', false);
}
