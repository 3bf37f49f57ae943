import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
afterEach(() => t.close());

const healthy = { status: 'ok', database: true, storage: true, model: true };
const logged = () => t.logLines.map((line) => JSON.parse(line) as { msg: string; part?: string; level: number; res?: { status: number } });
/** Every entry of the upload folder and its incoming folder, dot files included. */
const allFiles = () => [...readdirSync(t.config.uploadDir), ...readdirSync(path.join(t.config.uploadDir, '.incoming'))];
/**
 * An app whose files are in the upload folder, for the tests that break that folder: on TEST_BACKEND=postgres,
 * PostgreSQL with UPLOAD_DIR instead of the suite's bucket.
 */
const S3_SETTINGS = ['S3_BUCKET', 'S3_ENDPOINT', 'S3_REGION', 'S3_FORCE_PATH_STYLE', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'];
const onDisk = () => createTestApp({ env: Object.fromEntries(S3_SETTINGS.map((name) => [name, ''])) });

describe('GET /healthz', () => {
  it('when the database and the upload folder work, then it answers 200 with each part, no cookie, no session row and no file', async () => {
    t = await createTestApp();
    const before = allFiles();
    const keysBefore = await t.storedKeys();
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(healthy);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(await t.count('sessions')).toBe(0);
    expect(allFiles()).toEqual(before);
    expect(await t.storedKeys()).toEqual(keysBefore); // and no object left in the bucket, on S3
    // A load balancer asks every few seconds: a healthy answer is not logged.
    expect(t.logLines).toEqual([]);
  });

  it('when no model is loaded, then it still answers 200, with "model": false', async () => {
    t = await createTestApp({ classifier: undefined });
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...healthy, model: false });
  });

  it('when the upload folder has been removed, then it answers 503 naming storage, and logs why', async () => {
    t = await onDisk();
    rmSync(t.config.uploadDir, { recursive: true });
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable', database: true, storage: false, model: true });
    expect(logged()).toContainEqual(expect.objectContaining({ msg: 'health check failed', part: 'storage' }));
    expect(logged()).toContainEqual(expect.objectContaining({ res: { status: 503 } }));
  });

  it('when the upload folder is a file now, then it answers 503 naming storage', async () => {
    t = await onDisk();
    rmSync(t.config.uploadDir, { recursive: true });
    writeFileSync(t.config.uploadDir, 'not a folder');
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ database: true, storage: false });
  });

  it('when the database is closed, then it answers 503 naming the database', async () => {
    t = await createTestApp();
    await t.db.close();
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable', database: false, storage: true, model: true });
    expect(logged()).toContainEqual(expect.objectContaining({ msg: 'health check failed', part: 'database' }));
  });

  it('when asked with HEAD, as some load balancers do, then the status is the same and there is no body', async () => {
    t = await createTestApp();
    const res = await request(t.app).head('/healthz');
    expect(res.status).toBe(200);
    expect(res.text).toBeUndefined();
  });
});
