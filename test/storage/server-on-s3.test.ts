// The real server process with S3_BUCKET: a bucket that cannot be used stops start-up with a message naming
// the setting; a good one serves uploads from it. (DATABASE_URL: test/process/server-on-postgres.test.ts.)
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { S3Config } from '../../src/config.js';
import { solidPng, tempFolder } from '../helpers/fixtures.js';
import { killAllLiveServers, logIn, startLiveServer } from '../helpers/live-server.js';
import { newBucket, uniqueName, useSwift } from '../helpers/services.js';

const swift = useSwift();
let root: string;
beforeEach(async () => void (root = (await tempFolder('image-repo-s3-server-')).dir));
afterEach(() => rm(root, { recursive: true, force: true }));
afterAll(killAllLiveServers);

const envFor = (s3: S3Config) => ({
  DATA_DIR: path.join(root, 'data'), UPLOAD_DIR: path.join(root, 'uploads'), MODEL_DIR: path.join(root, 'no-model'), LOG_LEVEL: 'info',
  S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint!, S3_REGION: s3.region, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
});

describe('the server with S3_BUCKET', () => {
  it('when the bucket does not exist, then start-up stops with a message naming S3_BUCKET', async () => {
    const failed = await startLiveServer(envFor({ ...swift!.s3, bucket: uniqueName('missing') })).catch((err: Error) => err);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toContain('Configuration error');
    expect((failed as Error).message).toContain('S3_BUCKET');
  });

  it('when the keys are wrong, then start-up stops with a message naming them', async () => {
    const bucket = await newBucket(swift!, 'wrong-keys');
    const failed = await startLiveServer({ ...envFor(bucket), S3_SECRET_ACCESS_KEY: 'not-the-secret' }).catch((err: Error) => err);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(/Configuration error.*S3_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)/s);
    expect((failed as Error).message).not.toContain('not-the-secret');
  });

  it('when the bucket is good, then an upload is served from it and nothing but scratch stays on disk', async () => {
    const bucket = await newBucket(swift!, 'server');
    const server = await startLiveServer(envFor(bucket));
    const { cookie, token } = await logIn(server.base);
    const form = new FormData();
    form.append('visibility', 'public');
    form.append('images', new Blob([new Uint8Array(await solidPng('#336699', 400, 300))], { type: 'image/png' }), 'a.png');
    const res = await fetch(`${server.base}/images`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': token, accept: 'application/json' } });
    const id = ((await res.json()) as { results: { image: { id: string } }[] }).results[0].image.id;
    const file = await fetch(`${server.base}/images/${id}/file`, { headers: { cookie } });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect((await fetch(`${server.base}/healthz`).then((r) => r.json()))).toMatchObject({ storage: true });
    await server.kill('SIGTERM');
  });

});
