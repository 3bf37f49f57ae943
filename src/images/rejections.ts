import { megabytes } from '../web/upload.js';

/** Why a file was not stored: a code that decides the status, with what its message needs. */
export type Rejection =
  | { reason: 'not-an-image' }
  | { reason: 'unsupported-format'; format: string }
  | { reason: 'damaged' }
  | { reason: 'too-many-pixels'; width: number; height: number; gifLimit?: number }
  | { reason: 'canvas-beyond-data'; width: number; height: number; bytes: number }
  | { reason: 'too-large'; bytes: number; limit: number }
  | { reason: 'over-quota'; quota: number; left: number }
  | { reason: 'duplicate'; id: string }
  | { reason: 'server-busy' }
  | { reason: 'no-file-name' }
  | { reason: 'unreadable-part' }
  | { reason: 'wrong-field'; field: string }
  | { reason: 'server-error' }
  | { reason: 'storage-unavailable' }
  | { reason: 'database-unavailable' }
  | { reason: 'abandoned' };

export type RejectionReason = Rejection['reason'];

type Messages = { [R in RejectionReason]: (r: Extract<Rejection, { reason: R }>) => string };

const MESSAGES: Messages = {
  'not-an-image': () => 'not an image',
  'unsupported-format': (r) => `unsupported format: ${r.format}`,
  damaged: () => 'not a valid image: the file is damaged or incomplete',
  'too-many-pixels': (r) => `image too big: ${r.width} x ${r.height} pixels${r.gifLimit ? ` (a GIF may have ${r.gifLimit / 1e6} megapixels)` : ''}`,
  'canvas-beyond-data': (r) => `not a valid image: ${r.width} x ${r.height} pixels cannot come from ${r.bytes} bytes`,
  'too-large': (r) => `too large: ${megabytes(r.bytes)}, the limit is ${megabytes(r.limit)}`,
  'over-quota': (r) => `over your storage quota of ${storageSize(r.quota)} (${storageSize(r.left)} left)`,
  duplicate: () => 'already in your library',
  'server-busy': () => 'the server is busy with other images: try this one again in a minute',
  'no-file-name': () => 'not sent as a file: the part has no file name',
  'unreadable-part': () => "not read: the part's headers are malformed",
  'wrong-field': (r) => `sent as "${r.field}" instead of "images"`,
  'server-error': () => 'could not be stored because of an error on our side',
  'storage-unavailable': () => 'could not be stored: the image storage is not answering; try again in a minute',
  'database-unavailable': () => 'could not be stored: the database is not answering; try again in a minute',
  abandoned: () => 'the upload did not complete',
};

/** The status of an upload whose files were all refused for this reason. */
export const REJECTION_STATUS: Record<RejectionReason, number> = {
  'not-an-image': 415,
  'unsupported-format': 415,
  damaged: 400,
  'too-many-pixels': 400,
  'canvas-beyond-data': 400,
  'too-large': 413,
  'over-quota': 413,
  duplicate: 409,
  'server-busy': 503,
  'no-file-name': 400,
  'unreadable-part': 400,
  'wrong-field': 400,
  'server-error': 500,
  'storage-unavailable': 503,
  'database-unavailable': 503,
  abandoned: 400,
};

export const rejectionMessage = <R extends Rejection>(r: R): string => (MESSAGES[r.reason] as (r: R) => string)(r);

/** The upload is not an image we accept; the message is meant for the person who sent it. */
export class ImageRejected extends Error {
  override name = 'ImageRejected';
  constructor(
    readonly rejection: Rejection,
    options?: ErrorOptions,
  ) {
    super(rejectionMessage(rejection), options);
  }
}

/** "0.4 MB", "350 MB", "1.2 GB" (GB = 2**30 bytes, as MAX_USER_GB counts them). */
export function storageSize(bytes: number): string {
  const trim = (n: number) => String(Number(n.toFixed(1)));
  if (bytes >= 2 ** 30) return `${trim(bytes / 2 ** 30)} GB`;
  const mb = bytes / 2 ** 20;
  return `${mb < 10 ? trim(mb) : Math.round(mb)} MB`;
}
