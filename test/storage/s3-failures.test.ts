// What the S3 storage says when the bucket, the keys or the server are wrong, against the real Swift.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Config } from '../../src/config.js';
import { createS3Storage } from '../../src/storage/s3.js';
import type { Storage } from '../../src/storage/storage.js';
import { freePort } from '../helpers/ports.js';
import { newBucket, ownProxy, swiftRequest, uniqueName, useSwift } from '../helpers/services.js';
import { collect } from './contract.js';

const swift = useSwift();
let bucket: S3Config;
let scratch: string;
const opened: Storage[] = [];
const open = (config: S3Config) => {
  const storage = createS3Storage(config);
  opened.push(storage);
  return storage;
};

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 's3-failures-'));
  if (swift) bucket = await newBucket(swift, 's3-failures');
});
afterAll(async () => {
  for (const storage of opened) storage.close();
  await rm(scratch, { recursive: true, force: true });
});

const fileWith = async (data: string) => {
  const file = path.join(scratch, randomUUID());
  await writeFile(file, data);
  return file;
};

/** How long a promise took to settle, and how. */
async function timed(promise: Promise<unknown>): Promise<{ ms: number; error?: Error }> {
  const started = Date.now();
  try {
    await promise;
    return { ms: Date.now() - started };
  } catch (error) {
    return { ms: Date.now() - started, error: error as Error };
  }
}

describe('S3 storage check', () => {
  it('when the bucket does not exist, then check fails naming S3_BUCKET, and stream rejects rather than saying "missing"', async () => {
    const storage = open({ ...bucket, bucket: uniqueName('no-such-bucket') });
    await expect(storage.check()).rejects.toThrow(/S3_BUCKET "no-such-bucket-\w+" does not exist at http:\/\/127\.0\.0\.1/);
    await expect(storage.stream('a.png')).rejects.toThrow(/S3_BUCKET .* does not exist/);
    await expect(storage.stream('a.png', 'bytes=0-1')).rejects.toThrow(/S3_BUCKET .* does not exist/);
  });

  it('when the keys may read the bucket but not write it, then check fails naming S3_BUCKET and the key id', async () => {
    const readOnly = await newBucket(swift!, 'read-only');
    await open(readOnly).put('seen.png', await fileWith('readable'), 'image/png');
    await swiftRequest(swift!, 'POST', readOnly.bucket, { 'X-Container-Read': swift!.member.accessKeyId });
    const member = open({ ...readOnly, ...swift!.member });
    expect(await collect(member.list())).toEqual(['seen.png']); // it can read...
    await expect(member.check()).rejects.toThrow( // ...but not write
      `S3 storage could not write: S3_ACCESS_KEY_ID "${swift!.member.accessKeyId}" may not write in S3_BUCKET "${readOnly.bucket}" (AccessDenied)`);
    await expect(member.put('new.png', await fileWith('x'), 'image/png')).rejects.toThrow(/may not write in S3_BUCKET/);
  });

  it('when the secret key is wrong, then check fails naming both key settings, without the secret', async () => {
    const storage = open({ ...bucket, secretAccessKey: 'not-the-secret' });
    const { error } = await timed(storage.check());
    expect(error?.message).toMatch(/refused S3_ACCESS_KEY_ID "test:tester" and S3_SECRET_ACCESS_KEY \(SignatureDoesNotMatch\)/);
    expect(error?.message).not.toContain('not-the-secret');
  });

  it('when the key id is unknown, then check fails naming the key settings', async () => {
    await expect(open({ ...bucket, accessKeyId: 'nobody:none' }).check()).rejects.toThrow(/refused S3_ACCESS_KEY_ID "nobody:none" and S3_SECRET_ACCESS_KEY/);
  });
});


// Each test kills or freezes a proxy of its own on the shared store, so the other files' tests go on.
describe('S3 storage during an outage', () => {
  const OUTAGE_MS = 10_000; // two tries of at most 3 s each (6.1 s measured), with room for a loaded machine

  /** Every call a request makes, each of which must fail, within OUTAGE_MS. */
  async function expectAllFail(storage: Storage, key: string, pattern: RegExp) {
    const results = await Promise.all([
      timed(storage.stream(key)),
      timed(storage.stream(key, 'bytes=0-1')),
      timed(storage.put(`${randomUUID()}.png`, await fileWith('x'), 'image/png')),
      timed(collect(storage.list())),
      // Another key: a frozen server still holds the request, and carries it out once it runs again.
      timed(storage.remove(`${randomUUID()}.png`)),
      timed(storage.check()),
    ]);
    for (const { ms, error } of results) {
      expect(error?.message).toMatch(pattern);
      expect(ms).toBeLessThan(OUTAGE_MS);
    }
    const slowest = Math.max(...results.map((r) => r.ms));
    if (process.env.SHOW_OUTAGE_TIMES) console.log(`slowest call during the outage: ${slowest} ms`);
    return slowest;
  }

  async function expectWorking(storage: Storage, key: string) {
    await expect(storage.check()).resolves.toBeUndefined();
    expect((await storage.stream(key, 'bytes=0-3'))?.size).toBe(9);
  }

  it('when the proxy is killed, then every call rejects at once, and works again once it is back', async () => {
    const proxy = ownProxy(swift!, await freePort());
    await proxy.start();
    try {
      const storage = open({ ...bucket, endpoint: proxy.endpoint });
      const key = `${randomUUID()}.png`;
      await storage.put(key, await fileWith('available'), 'image/png');
      await expectWorking(storage, key);
      process.kill(proxy.pid(), 'SIGKILL');
      const slowest = await expectAllFail(storage, key, /S3_ENDPOINT http:\/\/127\.0\.0\.1:\d+ did not answer \(ECONNREFUSED/);
      expect(slowest).toBeLessThan(3_000);
      await proxy.start();
      await expectWorking(storage, key);
    } finally {
      await proxy.stop();
    }
  });

  it('when the proxy stops answering (SIGSTOP), then every call rejects within seconds, and works again once it answers', async () => {
    const proxy = ownProxy(swift!, await freePort());
    await proxy.start();
    const pid = proxy.pid();
    try {
      const storage = open({ ...bucket, endpoint: proxy.endpoint });
      const key = `${randomUUID()}.png`;
      await storage.put(key, await fileWith('available'), 'image/png');
      await expectWorking(storage, key);
      process.kill(pid, 'SIGSTOP');
      await expectAllFail(storage, key, /S3_ENDPOINT http:\/\/127\.0\.0\.1:\d+ did not answer \(ETIMEDOUT: .*requestTimeout/);
      process.kill(pid, 'SIGCONT');
      await expectWorking(storage, key);
    } finally {
      process.kill(pid, 'SIGCONT');
      await proxy.stop();
    }
  });
});
