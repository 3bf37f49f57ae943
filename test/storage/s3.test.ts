import { randomUUID } from 'node:crypto';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Config } from '../../src/config.js';
import { createS3Storage } from '../../src/storage/s3.js';
import type { StoredObject } from '../../src/storage/storage.js';
import { newBucket, s3Client, useSwift } from '../helpers/services.js';
import { collect, storageContract } from './contract.js';

const swift = useSwift();
let bucket: S3Config;
beforeAll(async () => {
  if (swift) bucket = await newBucket(swift, 's3-contract');
});

storageContract('S3 (Swift)', () => swift && { open: async (options) => createS3Storage(bucket, options) });

describe('S3 storage', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 's3-storage-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  const fileWith = async (data: string) => {
    const file = path.join(scratch, randomUUID());
    await writeFile(file, data);
    return file;
  };

  it('when S3_PREFIX is set, then objects sit under it, and storages with other prefixes do not see them', async () => {
    const raw = s3Client(swift!);
    const tenantA = createS3Storage({ ...bucket, prefix: 'tenant-a/' });
    const tenantB = createS3Storage({ ...bucket, prefix: 'tenant-b/' });
    const bare = createS3Storage(bucket);
    try {
      await tenantA.put('only-a.png', await fileWith('a'), 'image/png');
      const listed = await raw.send(new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: 'tenant-a/' }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual(['tenant-a/only-a.png']);
      expect(await collect(tenantA.list())).toEqual(['only-a.png']);
      expect(await collect(tenantB.list())).toEqual([]);
      expect(await tenantB.stream('only-a.png')).toBeUndefined();
      expect(await collect(bare.list('tenant'))).toEqual([]); // "tenant-a/only-a.png" is no key of the bare bucket
      await tenantA.remove('only-a.png');
      expect(await collect(tenantA.list())).toEqual([]);
    } finally {
      raw.destroy();
      for (const storage of [tenantA, tenantB, bare]) storage.close();
    }
  });

  it('when a file is put, then the object keeps its content type and length', async () => {
    const storage = createS3Storage(bucket);
    const raw = s3Client(swift!);
    try {
      await storage.put('typed.avif', await fileWith('x'.repeat(1234)), 'image/avif');
      const head = await raw.send(new HeadObjectCommand({ Bucket: bucket.bucket, Key: 'typed.avif' }));
      expect(head).toMatchObject({ ContentType: 'image/avif', ContentLength: 1234 });
    } finally {
      storage.close();
      raw.destroy();
    }
  });

  it('when several files are put at once and one of them is missing, then only that put fails, with the reason, and the rest arrive', async () => {
    const storage = createS3Storage(bucket);
    try {
      const names = ['many-1.png', 'many-2.png', 'many-3.png'];
      const files = await Promise.all(names.map((name) => fileWith(name)));
      const results = await Promise.allSettled([
        ...names.map((name, i) => storage.put(name, files[i], 'image/png')),
        storage.put('many-missing.png', path.join(scratch, 'no-such-file'), 'image/png'),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
      expect(String((results[3] as PromiseRejectedResult).reason)).toMatch(/ENOENT/);
      expect(await collect(storage.list('many-'))).toEqual(names);
      for (const name of names) {
        const found = (await storage.stream(name)) as StoredObject;
        expect(Buffer.concat(await collect<Buffer>(found.body)).toString()).toBe(name);
      }
      await storage.put('many-after.png', await fileWith('after'), 'image/png'); // the upload thread is still there
      expect(await collect(storage.list('many-a'))).toEqual(['many-after.png']);
    } finally {
      storage.close();
    }
  });
});
