import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../config.js';
import type { S3_DEFAULTS } from './s3-client.js';
import { explainS3Error, isRetryable } from './s3-errors.js';

// An upload's response comes once the whole file is sent: its deadline grows by a second per MB (1 MB/s at least).
const UPLOAD_MS_PER_MB = 1000;

/** Sends the local file as `objectKey` (prefix included), trying again on a retryable failure, then removes the file. */
export async function putFile(
  client: S3Client, config: S3Config, opts: typeof S3_DEFAULTS, objectKey: string, fromLocalPath: string, contentType: string,
): Promise<void> {
  const { size } = await stat(fromLocalPath);
  for (let attempt = 1; ; attempt++) {
    try {
      // A stream body is not retried by the SDK (it cannot rewind one): each try opens a new stream.
      await client.send(
        new PutObjectCommand({ Bucket: config.bucket, Key: objectKey, Body: createReadStream(fromLocalPath), ContentLength: size, ContentType: contentType }),
        { requestTimeout: opts.responseTimeoutMs + Math.ceil((size / 2 ** 20) * UPLOAD_MS_PER_MB) },
      );
      break;
    } catch (err) {
      if (attempt >= opts.maxAttempts || !isRetryable(err)) throw explainS3Error(err, 'write', config);
    }
  }
  await rm(fromLocalPath, { force: true });
}
