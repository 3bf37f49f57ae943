// The thread that sends files to the bucket (s3-put-thread.ts starts it). A file's bytes pass through this
// thread's heap, so the garbage collections they cause pause this thread, not the event loop.
import { parentPort, workerData } from 'node:worker_threads';
import type { S3Config } from '../config.js';
import { createS3Client, type S3_DEFAULTS } from './s3-client.js';
import { putFile } from './s3-put.js';
import { StorageUnavailable } from './storage.js';
import type { PutReply, PutRequest } from './s3-put-thread.js';

const { config, opts } = workerData as { config: S3Config; opts: typeof S3_DEFAULTS };
const port = parentPort!;
const client = createS3Client(config, { ...opts, logger: { warn: (content) => port.postMessage({ warn: content } satisfies PutReply) } });

port.on('message', ({ id, key, fromLocalPath, contentType }: PutRequest) => {
  putFile(client, config, opts, key, fromLocalPath, contentType).then(
    () => port.postMessage({ id } satisfies PutReply),
    (err: Error) => port.postMessage({ id, error: { message: err.message, unavailable: err instanceof StorageUnavailable } } satisfies PutReply),
  );
});
