import type { Config } from '../config.js';
import { createDiskStorage } from './disk.js';
import { createS3Storage, type S3StorageOptions } from './s3.js';
import type { Storage } from './storage.js';

export type { ByteRange, Storage, StoredObject, Unsatisfiable } from './storage.js';
export { contentTypeFor, StorageUnavailable } from './storage.js';
export { parseRange, rangeResponse } from './range.js';

/** The setting a person would look at when the storage is wrong: `UPLOAD_DIR (/srv/uploads)` or `S3_BUCKET (photos)`. */
export function describeStorage(config: Pick<Config, 'uploadDir' | 's3'>): string {
  if (!config.s3) return `UPLOAD_DIR (${config.uploadDir})`;
  return `S3_BUCKET (${config.s3.bucket}${config.s3.prefix ? `, S3_PREFIX ${config.s3.prefix}` : ''})`;
}

/** The one place that chooses where files live: S3 when S3_BUCKET is set, UPLOAD_DIR otherwise. */
export function createStorage(config: Pick<Config, 'uploadDir' | 's3'>, options: Pick<S3StorageOptions, 'logger'> = {}): Storage {
  return config.s3 ? createS3Storage(config.s3, options) : createDiskStorage({ dir: config.uploadDir });
}
