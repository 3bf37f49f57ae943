// SIGKILL the real server part-way through a 50-image upload, at several points, and start it again, on the
// suite's backend (SQLite + UPLOAD_DIR, or PostgreSQL + S3): every row has its original, thumbnail and labels,
// every object has its row once the sweep has run, and nothing is left in the incoming folder (SQLite's file
// also passes integrity_check).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseImage } from '../helpers/fixtures.js';
import { multipart, multipartType } from '../security/multipart.js';
import { heavyTurn, killAllLiveServers, logIn, realModelDir, startLiveServer, type LiveServer, type Session } from '../helpers/live-server.js';
import { liveBackend, type LiveBackend } from '../helpers/live-backend.js';
import { SHARED_SWEEP_GRACE_MS } from '../../src/images/sweeper.js';

const IMAGES = 50;
const CHUNK = 32 * 1024;

type KillPoint = { name: string; bodyFraction?: number; storedImages?: number };
const KILL_POINTS: KillPoint[] = [
  { name: 'after 10% of the body has been sent', bodyFraction: 0.1 },
  { name: 'after 70% of the body has been sent', bodyFraction: 0.7 },
  { name: 'as soon as the first file of the batch is stored', storedImages: 0.5 },
  { name: 'when 15 of the 50 images are stored', storedImages: 15 },
  // Not later: the last images go quickly, and the kill must come before the answer.
  { name: 'when 30 of the 50 images are stored', storedImages: 30 },
];

let root: string;
let uploadDir: string;
let backend: LiveBackend;
let server: LiveServer;
let body: Buffer;
let hashes: Set<string>;
let endTurn: (() => void) | undefined;
/**
 * The real model only where inference can be under way when the kill comes: before the body is in, no
 * image is being classified, and a start without a model is 2 s quicker.
 */
const env = (model: boolean) => ({
  ...backend.env, MODEL_DIR: (model && realModelDir) || path.join(root, 'no-model'), CLASSIFIER_THREADS: '2',
});
const wantsModel = (point: KillPoint | undefined) => point?.bodyFraction === undefined;

beforeAll(async () => {
  endTurn = await heavyTurn();
  root = mkdtempSync(path.join(tmpdir(), 'image-repo-crash-'));
  backend = await liveBackend(root);
  uploadDir = backend.config.uploadDir;
  // 50 different small JPEGs, so a stored original can be traced back to exactly one of them.
  const jpegs = await Promise.all(Array.from({ length: IMAGES }, (_, i) => noiseImage('jpeg', 300 + i, 200 + (i % 7))));
  hashes = new Set(jpegs.map(sha256));
  // Sent again after each kill: the copies of what was stored before it are kept, so every upload stores 50.
  body = multipart([{ name: 'visibility', value: 'public' }, { name: 'duplicates', value: 'keep' }, ...jpegs.map((data, i) => ({ name: 'images', filename: `crash-${i}.jpg`, data, type: 'image/jpeg' }))]);
  server = await startLiveServer(env(wantsModel(KILL_POINTS[0])));
}, 300_000);
afterAll(async () => {
  await killAllLiveServers();
  await backend?.close();
  rmSync(root, { recursive: true, force: true });
  endTurn?.();
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const storedFiles = () => backend.storedKeys();

type Upload = { sent: () => number; response: Promise<{ status?: number; text?: string; error?: Error }>; finished: () => boolean };

/** POST /images over a plain socket, CHUNK bytes at a time, stopping early when `stopAt` bytes are out. */
function startUpload(base: string, session: Session, stopAt = body.length): Upload {
  const url = new URL('/images', base);
  let sent = 0;
  let finished = false;
  const req = httpRequest({
    host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
    headers: {
      cookie: session.cookie, 'x-csrf-token': session.token, accept: 'application/json',
      'content-type': multipartType(), 'content-length': body.length,
    },
  });
  const response = new Promise<{ status?: number; text?: string; error?: Error }>((resolve) => {
    req.on('error', (error) => resolve({ error }));
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => ((finished = true), resolve({ status: res.statusCode, text })));
      res.on('error', (error) => resolve({ error }));
    });
  });
  void (async () => {
    while (sent < Math.min(stopAt, body.length) && !req.destroyed) {
      const chunk = body.subarray(sent, Math.min(sent + CHUNK, stopAt, body.length));
      const flushed = req.write(chunk);
      sent += chunk.length;
      if (!flushed) await new Promise((r) => { req.once('drain', r); req.once('close', r); });
      await new Promise((r) => setImmediate(r));
    }
    if (sent >= body.length) req.end();
  })();
  return { sent: () => sent, response, finished: () => finished };
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, ms = 30_000) {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

type Row = { id: string; format: string; classified: number; labels: string | null; terms: number };

/**
 * On PostgreSQL the sweep leaves records younger than an hour (another server's upload may be writing them):
 * age them as an hour would, start the server, and wait for its first sweep. SQLite's server sweeps every
 * record before it listens.
 */
async function restartAndSweep(model: boolean) {
  if (backend.dialect === 'postgres') await backend.rows`UPDATE pending_files SET created_at = created_at - ${SHARED_SWEEP_GRACE_MS + 1}`;
  server = await startLiveServer(env(model));
  await waitFor(async () => (await backend.rows<{ n: number }>`SELECT count(*) AS n FROM pending_files`)[0].n === 0, 'the sweep');
}

/** The invariants of issue 6 §3, checked from outside while the restarted server runs. */
async function expectConsistent(): Promise<Row[]> {
  const checks = await backend.integrity();
  if (checks) expect(checks).toEqual({ integrity: 'ok', foreignKeys: [] });
  const rows = await backend.rows<Row>`SELECT id, format, classified,
      labels,
      (SELECT count(*) FROM image_terms WHERE image_seq = i.seq) AS terms
    FROM images i ORDER BY seq`;
  const expectedFiles = rows.flatMap((r) => [`${r.id}.${r.format}`, `${r.id}.thumb.webp`]).sort();
  expect(await storedFiles(), 'stored objects = exactly the objects of the rows').toEqual(expectedFiles);
  expect(readdirSync(path.join(uploadDir, '.incoming')), 'incoming folder after restart').toEqual([]);
  for (const row of rows) {
    const original = await backend.object(`${row.id}.${row.format}`);
    expect(hashes.has(sha256(original)), `original of ${row.id} is one of the uploaded files, whole`).toBe(true);
    const thumb = await sharp(await backend.object(`${row.id}.thumb.webp`)).metadata();
    expect(thumb.format).toBe('webp');
    expect(row.labels ? JSON.parse(row.labels) : []).toHaveLength(row.classified ? 3 : 0);
    // Rows only ever come from uploads to a server that had the model (when there is one).
    if (realModelDir) expect(row.classified, `${row.id} classified by the loaded model`).toBe(1);
    expect(row.terms).toBeGreaterThan(0);
  }
  return rows;
}

// Generous: a restart loads the model, and CI machines are shared.
describe('SIGKILL during a 50-image upload', { timeout: 180_000 }, () => {
  let committed: Row[] = [];

  it.each(KILL_POINTS)('when the server is killed $name, then after a restart everything is consistent', async (point) => {
    const session = await logIn(server.base);
    const filesBefore = (await storedFiles()).length;
    const upload = startUpload(server.base, session, point.bodyFraction ? Math.floor(body.length * point.bodyFraction) : body.length);
    if (point.bodyFraction) {
      await waitFor(() => upload.sent() >= Math.floor(body.length * point.bodyFraction!), 'the body to be sent');
      // The bytes are out; give the server a moment to write them into the incoming folder.
      await waitFor(() => readdirSync(path.join(uploadDir, '.incoming')).length > 0, 'a temp file');
    } else {
      await waitFor(async () => (await storedFiles()).length - filesBefore >= 2 * point.storedImages! || upload.finished(), 'stored files');
    }
    expect(upload.finished(), 'killed part-way, not after the answer').toBe(false);
    const incomingAtKill = readdirSync(path.join(uploadDir, '.incoming')).length;
    const storedAtKill = (await storedFiles()).length - filesBefore;
    await server.kill('SIGKILL');
    expect((await upload.response).status).toBeUndefined();

    await restartAndSweep(wantsModel(KILL_POINTS[KILL_POINTS.indexOf(point) + 1]));
    const rows = await expectConsistent();
    // Rows committed before this upload all survived; this upload added at most its 50.
    expect(rows.slice(0, committed.length)).toEqual(committed);
    expect(rows.length - committed.length).toBeLessThanOrEqual(IMAGES);
    if (point.bodyFraction) expect(rows.length).toBe(committed.length);
    console.log(`kill ${point.name}: ${incomingAtKill} temp files and ${storedAtKill} stored files at the kill; ${rows.length - committed.length} images kept after restart`);
    committed = rows;
  });

  it('when the restarted server gets the same 50 images again, then all are stored and it still stops cleanly on SIGTERM', async () => {
    const session = await logIn(server.base);
    const upload = startUpload(server.base, session);
    const answer = await upload.response;
    expect(answer.status).toBe(200);
    const results = JSON.parse(answer.text!).results as { ok: boolean }[];
    expect(results.filter((r) => r.ok)).toHaveLength(IMAGES);
    const rows = await expectConsistent();
    expect(rows.length).toBe(committed.length + IMAGES);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    await backend.release();
    await server.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const wal = `${backend.config.databasePath}-wal`; // SQLite's: a clean stop leaves it empty
    if (backend.dialect === 'sqlite') expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
  });
});
