import type { S3Config } from '../config.js';
import { StorageUnavailable } from './storage.js';

type SdkError = Error & { code?: string; Code?: string; $metadata?: { httpStatusCode?: number } };

const CREDENTIALS = ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'InvalidSecurity'];
const NETWORK = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError'];
const BUSY = ['SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'RequestTimeTooSkewed'];

const codeOf = (err: SdkError) => err.Code ?? err.code ?? err.name;
const statusOf = (err: SdkError) => err.$metadata?.httpStatusCode;

/** Worth another try: the server did not answer, or answered that it is busy or failing. */
export function isRetryable(err: unknown): boolean {
  const e = err as SdkError;
  const status = statusOf(e);
  return status === undefined ? NETWORK.includes(codeOf(e)) || NETWORK.includes(e.name) : status >= 500 || BUSY.includes(codeOf(e));
}

/**
 * An S3 failure as a sentence naming the setting to look at (S3_BUCKET, S3_ACCESS_KEY_ID...), for the log and the
 * health check; the SDK's error stays as its cause. Never holds the secret key.
 */
export function explainS3Error(err: unknown, verb: 'write' | 'read' | 'list' | 'remove', config: S3Config): Error {
  const e = err as SdkError;
  const where = config.endpoint ?? `AWS S3 in ${config.region}`;
  const bucket = `S3_BUCKET "${config.bucket}"`;
  const code = codeOf(e);
  const status = statusOf(e);
  let why: string;
  if (code === 'NoSuchBucket') why = `${bucket} does not exist at ${where}`;
  else if (CREDENTIALS.includes(code)) {
    why = `${where} refused S3_ACCESS_KEY_ID "${config.accessKeyId}" and S3_SECRET_ACCESS_KEY (${code}): check both`;
  } else if (code === 'AccessDenied' || status === 403) {
    why = `S3_ACCESS_KEY_ID "${config.accessKeyId}" may not ${verb} in ${bucket} (${code})`;
  } else if (status === undefined && (NETWORK.includes(code) || NETWORK.includes(e.name))) {
    why = `S3_ENDPOINT ${where} did not answer (${code}: ${e.message})`;
  } else if (status === undefined) {
    why = `${bucket} at ${where} failed: ${e.message}`;
  } else {
    why = `${bucket} at ${where} answered ${status} ${code}`;
  }
  const message = `S3 storage could not ${verb}: ${why}`;
  return isRetryable(err) ? new StorageUnavailable(message, { cause: err }) : new Error(message, { cause: err });
}
