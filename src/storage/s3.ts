import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import type { S3Config } from '../config.js';
import { parseRangeSpec, resolveRange } from './range.js';
import { createS3Client, S3_DEFAULTS, type S3StorageOptions } from './s3-client.js';
import { explainS3Error } from './s3-errors.js';
import { s3PutThread } from './s3-put-thread.js';
import { assertKey, assertPrefix, assertPut, contentTypeFor, isKey, type Storage, type StoredObject, type Unsatisfiable } from './storage.js';

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const nameOf = (err: unknown) => (err as { name?: string }).name;

export type { S3StorageOptions } from './s3-client.js';

/** Objects in one bucket, under S3_PREFIX when set. */
export function createS3Storage(config: S3Config, options: S3StorageOptions = {}): Storage {
  const opts = { ...S3_DEFAULTS, ...options };
  const client = createS3Client(config, opts);
  const puts = s3PutThread(config, opts);
  const Bucket = config.bucket;
  const objectKey = (key: string) => {
    assertKey(key);
    return config.prefix + key;
  };
  const explain = (err: unknown, verb: Parameters<typeof explainS3Error>[1]) => explainS3Error(err, verb, config);

  async function get(key: string, range?: { start: number; end: number }): Promise<GetObjectCommandOutput | undefined> {
    try {
      return await client.send(new GetObjectCommand({ Bucket, Key: objectKey(key), Range: range && `bytes=${range.start}-${range.end}` }));
    } catch (err) {
      if (nameOf(err) === 'NoSuchKey') return undefined;
      throw explain(err, 'read');
    }
  }

  /** The size of an object, for resolving a range against it; undefined when HEAD finds nothing (no key, or no bucket). */
  async function sizeOf(key: string): Promise<number | undefined> {
    try {
      return (await client.send(new HeadObjectCommand({ Bucket, Key: objectKey(key) }))).ContentLength ?? 0;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw explain(err, 'read');
    }
  }

  const found = (key: string, out: GetObjectCommandOutput, size: number, range?: { start: number; end: number }): StoredObject => ({
    body: out.Body as Readable,
    size,
    contentType: out.ContentType ?? contentTypeFor(key),
    ...(range && { range }),
    lastModified: out.LastModified ?? new Date(0),
    etag: out.ETag ?? `"${size}"`,
  });

  async function stream(key: string, rangeHeader?: string): Promise<StoredObject | Unsatisfiable | undefined> {
    const spec = parseRangeSpec(rangeHeader);
    if (!spec) {
      const out = await get(key);
      return out && found(key, out, out.ContentLength ?? 0);
    }
    // The size first, so that a range means the same here as on disk, whatever the server makes of edge cases.
    const size = await sizeOf(key);
    if (size === undefined) return stream(key); // a missing key gives undefined, a missing bucket an error
    const range = resolveRange(spec, size);
    if (range === 'unsatisfiable') return { unsatisfiable: true, size };
    const out = await get(key, range);
    return out && found(key, out, size, range);
  }

  return {
    stream,

    async put(key, fromLocalPath, contentType) {
      assertPut(key, contentType);
      await puts.put(objectKey(key), fromLocalPath, contentType);
    },

    async remove(key) {
      // One DeleteObject per key: Swift's S3 layer refuses the SDK's DeleteObjects (no Content-MD5).
      await client.send(new DeleteObjectCommand({ Bucket, Key: objectKey(key) })).catch((err) => {
        throw explain(err, 'remove');
      });
    },

    async *list(prefix = '', startAfter) {
      assertPrefix(prefix);
      let token: string | undefined;
      do {
        const page = await client
          .send(new ListObjectsV2Command({
            Bucket,
            Prefix: config.prefix + prefix,
            MaxKeys: opts.pageSize,
            ...(token ? { ContinuationToken: token } : startAfter !== undefined && { StartAfter: config.prefix + startAfter }),
          }))
          .catch((err) => Promise.reject(explain(err, 'list')));
        for (const object of page.Contents ?? []) {
          const key = object.Key!.slice(config.prefix.length);
          if (isKey(key)) yield key;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async check() {
      // A dot name is never a key, so a probe left by a crash is never listed as one.
      const Key = `${config.prefix}.health-${randomUUID()}`;
      const body = `health ${Key}`;
      let doing: 'write' | 'read' | 'remove' = 'write';
      try {
        await client.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentType: 'text/plain' }));
        doing = 'read';
        const out = await client.send(new GetObjectCommand({ Bucket, Key }));
        if ((await out.Body!.transformToString()) !== body) throw new Error('the bucket gave back other bytes than written');
        doing = 'remove';
        await client.send(new DeleteObjectCommand({ Bucket, Key }));
      } catch (err) {
        if (doing !== 'write') await client.send(new DeleteObjectCommand({ Bucket, Key })).catch(() => undefined);
        throw explain(err, doing);
      }
    },

    close() {
      puts.close();
      client.destroy();
    },
  };
}
