// Audit finding 10: MAX_USER_GB. A file that would take its owner over the quota is refused on its own, the
// bytes still arriving count, and the upload form says how much is used.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type request from 'supertest';
import { createTestApp, login, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { registerUser } from '../helpers/live-server.js';
import { createImagesRepo } from '../../src/images/images-repo.js';

const QUOTA = Math.round(0.001 * 2 ** 30); // MAX_USER_GB=0.001: 1,073,742 bytes, shown as "1 MB"

/** A PNG of about `kb` KB that does not compress (random pixels, stored), so its size is what the quota sees. */
function pngOf(kb: number): Promise<Buffer> {
  const width = 256;
  const height = Math.ceil((kb * 1024) / (width * 3));
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
}

type Result = { filename: string; ok: boolean; reason?: string; error?: string; image?: { bytes: number } };

// The cast: PostgreSQL's sum() of a bigint is a numeric, which comes back as a string.
const storedBytes = async (t: TestApp, username: string) =>
  (await t.rows<{ n: number }>`SELECT CAST(coalesce(sum(bytes), 0) AS BIGINT) AS n FROM images JOIN users ON users.id = owner_id WHERE username = ${username}`)[0].n;
const incomingBytes = (t: TestApp) =>
  readdirSync(path.join(t.config.uploadDir, '.incoming')).reduce((sum, f) => sum + statSync(path.join(t.config.uploadDir, '.incoming', f)).size, 0);

async function settled(t: TestApp) {
  for (let i = 0; i < 100 && t.incomingFiles().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(t.incomingFiles()).toEqual([]);
  expect(await t.storedFiles()).toHaveLength(2 * await t.count('images'));
}

describe('a storage quota per user', () => {
  let t: TestApp;
  let agent: request.Agent;
  beforeEach(async () => {
    t = await createTestApp({ env: { MAX_USER_GB: '0.001' } });
    agent = await signedInAgent(t, 'saver');
  });
  afterEach(() => t.close());

  it('when a batch would take the user over the quota, then the files that fit are stored and the rest are refused naming the quota', async () => {
    const png = await pngOf(410); // two fit in 1 MB, three do not
    const res = await upload(agent, [{ name: 'one.png', data: png }, { name: 'two.png', data: png }, { name: 'three.png', data: png }]);
    expect(res.status).toBe(200);
    const results = res.body.results as Result[];
    expect(results.map((r) => [r.filename, r.ok])).toEqual([['one.png', true], ['two.png', true], ['three.png', false]]);
    expect(results[2]).toMatchObject({ reason: 'over-quota', error: expect.stringMatching(/^over your storage quota of 1 MB \(0\.\d MB left\)$/) });
    expect(await t.count('images')).toBe(2);
    expect(await storedBytes(t, 'saver')).toBe(2 * png.length);
    await settled(t);
  });

  it('when every file is over the quota, then the answer is 413 and the usage says how full it is', async () => {
    const big = await pngOf(1200); // over the whole quota
    const res = await upload(agent, [{ name: 'big.png', data: big }]);
    expect(res.status).toBe(413);
    expect(res.body.results).toEqual([{ filename: 'big.png', ok: false, reason: 'over-quota', error: 'over your storage quota of 1 MB (1 MB left)' }]);
    expect(res.body.usage).toEqual({ usedBytes: 0, quotaBytes: QUOTA, text: '0 MB of 1 MB used' });
    expect(await t.count('images')).toBe(0);
    await settled(t);
  });

  it('when two uploads of the same user arrive at once, then together they never store more than the quota', async () => {
    const png = await pngOf(410);
    const files = (tag: string) => [{ name: `${tag}-1.png`, data: png }, { name: `${tag}-2.png`, data: png }];
    const [a, b] = await Promise.all([upload(agent, files('a')), upload(agent, files('b'))]);
    const results = [...a.body.results, ...b.body.results] as Result[];
    expect(results).toHaveLength(4);
    expect(await storedBytes(t, 'saver')).toBeLessThanOrEqual(QUOTA);
    expect(results.filter((r) => r.ok).length).toBeGreaterThanOrEqual(1);
    for (const r of results.filter((r) => !r.ok)) expect(r.reason).toBe('over-quota');
    await settled(t);
  });

  it('when two uploads of the same user arrive at once through two servers on one library, then together they never store more than the quota', async () => {
    // A second app on the same database and storage, as a second server behind a load balancer would be: its
    // own count of the bytes arriving knows nothing of the first's, so the database has the last word.
    const shared: Record<string, string> = t.config.databaseUrl ? { DATABASE_URL: t.config.databaseUrl } : { DATABASE_PATH: t.config.databasePath };
    const other = await createTestApp({ env: { ...shared, MAX_USER_GB: '0.001' }, storage: t.storage });
    try {
      const png = await pngOf(410);
      const files = (tag: string) => [1, 2, 3].map((n) => ({ name: `${tag}-${n}.png`, data: png }));
      const elsewhere = other.agent();
      expect((await login(elsewhere, 'saver')).status).toBe(303);
      const [a, b] = await Promise.all([upload(agent, files('a')), upload(elsewhere, files('b'))]);
      const results = [...a.body.results, ...b.body.results] as Result[];
      expect(results).toHaveLength(6);
      expect(results.filter((r) => r.ok)).toHaveLength(2);
      for (const r of results.filter((r) => !r.ok)) expect(r).toMatchObject({ reason: 'over-quota', error: expect.stringMatching(/^over your storage quota of 1 MB/) });
      expect(await storedBytes(t, 'saver')).toBe(2 * png.length);
      await settled(t);
      await settled(other);
    } finally {
      await other.close();
    }
  });

  it('when a file is still arriving, then its bytes count against the quota of a second upload, and the scratch folder stays within the quota', async () => {
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { cookie, token } = await registerUser(base, 'streamer');
      const first = await pngOf(700);
      const boundary = 'quota-boundary';
      const req = http.request(`${base}/images`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': token, accept: 'application/json', 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
      const answer = new Promise<{ status: number; body: { results: Result[] } }>((resolve, reject) => {
        req.on('response', (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(body) }));
        });
        req.on('error', reject);
      });
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="visibility"\r\n\r\npublic\r\n`);
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="images"; filename="first.png"\r\nContent-Type: image/png\r\n\r\n`);
      req.write(first);
      // The file is in the scratch folder (but for the few bytes that could still begin a boundary), and its
      // part has not ended: it is in flight, not stored.
      const almost = first.length - boundary.length - 4;
      for (let i = 0; i < 250 && incomingBytes(t) < almost; i++) await new Promise((r) => setTimeout(r, 20));
      expect(incomingBytes(t)).toBeGreaterThanOrEqual(almost);

      const second = await pngOf(500); // would fit alone, not beside the first
      const other = t.agent(); // a second session of the same user
      expect((await login(other, 'streamer')).status).toBe(303);
      const res = await upload(other, [{ name: 'second.png', data: second }]);
      expect(res.status).toBe(413);
      expect(res.body.results[0]).toMatchObject({ filename: 'second.png', ok: false, reason: 'over-quota' });
      expect(incomingBytes(t)).toBeLessThanOrEqual(QUOTA);

      req.end(`\r\n--${boundary}--\r\n`);
      const done = await answer;
      expect(done.status).toBe(200);
      expect(done.body.results.map((r) => [r.filename, r.ok])).toEqual([['first.png', true]]);
      expect(await storedBytes(t, 'streamer')).toBe(first.length);
      await settled(t);
    } finally {
      server.close();
    }
  });
});

describe('the usage shown on the upload form', () => {
  const GB = 2 ** 30;

  it('when a quota is set, then /upload says how much of it is used, and so does its JSON', async () => {
    const t = await createTestApp({ env: { MAX_USER_GB: '5' } });
    try {
      const agent = await signedInAgent(t, 'collector');
      const { id } = await t.db.query.selectFrom('users').select('id').where('username', '=', 'collector').executeTakeFirstOrThrow();
      const owner = { id, username: 'collector' };
      const images = createImagesRepo(t.db);
      for (let i = 0; i < 3; i++) {
        await images.insert({
          id: `00000000-0000-4000-8000-00000000000${i}`, visibility: 'private', originalName: `${i}.jpg`, format: 'jpeg',
          bytes: Math.round((1.2 * GB) / 3), width: 10, height: 10, colourHex: '#000000', colourName: 'black', createdAt: 0,
        }, owner, null);
      }
      const page = await agent.get('/upload');
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/<p class="quota-usage"[^>]*>1\.2 GB of 5 GB used<\/p>/);
      const json = await agent.get('/upload').set('Accept', 'application/json');
      expect(json.body).toEqual({ usage: { usedBytes: 3 * Math.round((1.2 * GB) / 3), quotaBytes: 5 * GB, text: '1.2 GB of 5 GB used' } });
      // Every other page carries the dialog's empty line, which its script fills from that JSON when it opens.
      expect((await agent.get('/')).text).toMatch(/<p class="quota-usage" data-usage-url="\/upload"[^>]*><\/p>/);
    } finally {
      await t.close();
    }
  });

  it('when no quota is set, then no usage is shown', async () => {
    const t = await createTestApp();
    try {
      const agent = await signedInAgent(t, 'free');
      expect((await agent.get('/upload')).text).not.toContain('quota-usage');
      expect((await agent.get('/')).text).not.toContain('quota-usage');
      expect((await agent.get('/upload').set('Accept', 'application/json')).body).toEqual({ usage: null });
    } finally {
      await t.close();
    }
  });
});
