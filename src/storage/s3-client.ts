import { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../config.js';

export type S3StorageOptions = {
  /** Keys asked for per ListObjectsV2 page (S3's most is 1,000; a server may answer fewer and say there are more). */
  pageSize?: number;
  /** To open a connection. */
  connectTimeoutMs?: number;
  /** From sending a request until its response headers; an upload gets one more second per MB it sends. */
  responseTimeoutMs?: number;
  /** Of silence on a connection, once the response has begun: a body that stops coming. */
  idleTimeoutMs?: number;
  /** Tries per call, the first one included. */
  maxAttempts?: number;
  /** Where the SDK's own warnings go (by default nowhere: it would print them on the console). */
  logger?: { warn: (obj: object, msg: string) => void };
};

// An outage answers within seconds (two tries of at most 3 s), not the minutes of the SDK's defaults, which
// wait for a silent server forever.
export const S3_DEFAULTS = { pageSize: 1000, connectTimeoutMs: 1000, responseTimeoutMs: 3000, idleTimeoutMs: 30_000, maxAttempts: 2 };

/** An S3 client that gives up within seconds on a silent server and sends no checksums a compatible store refuses. */
export function createS3Client(config: S3Config, opts: typeof S3_DEFAULTS & S3StorageOptions): S3Client {
  const quiet = () => undefined;
  return new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    maxAttempts: opts.maxAttempts,
    // Checksums only where S3 requires them: S3-compatible stores (Swift among them) refuse the trailing
    // checksums the SDK would otherwise add to every upload.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: opts.connectTimeoutMs,
      requestTimeout: opts.responseTimeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: opts.idleTimeoutMs,
      // Each file being served holds a connection until its body is sent: more than the SDK's 50.
      httpAgent: { maxSockets: 256 },
      httpsAgent: { maxSockets: 256 },
    },
    logger: {
      debug: quiet, info: quiet, error: quiet,
      warn: (...content: unknown[]) => opts.logger?.warn({ content }, 'S3 client warning'),
    },
  });
}
