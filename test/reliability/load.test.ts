// Load on the real server (a child process on 127.0.0.1) with autocannon: 50 connections for 30 s over the
// gallery and search pages, then four clients uploading while others search, on the suite's backend (SQLite +
// UPLOAD_DIR, or PostgreSQL + S3). Prints the figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solidPng } from '../helpers/fixtures.js';
import { liveBackend, type LiveBackend } from '../helpers/live-backend.js';
import { heavyTurn, killAllLiveServers, logIn, registerUser, startLiveServer, type LiveServer, type Session } from '../helpers/live-server.js';

const COLOURS = ['#c0392b', '#2980b9', '#27ae60', '#f1c40f', '#8e44ad', '#e67e22', '#7f8c8d', '#ffffff'];
const SEED_IMAGES = 120;

let root: string;
let backend: LiveBackend;
let server: LiveServer;
let rishi: Session;
let pngs: Buffer[];
let seededIds: string[];
let endTurn: (() => void) | undefined;

beforeAll(async () => {
  endTurn = await heavyTurn();
  root = mkdtempSync(path.join(tmpdir(), 'image-repo-load-'));
  // No model: this is about the web tier, and it keeps start-up and uploads quick.
  backend = await liveBackend(root);
  server = await startLiveServer({ ...backend.env, MODEL_DIR: path.join(root, 'no-model') });
  rishi = await logIn(server.base);
  pngs = await Promise.all(COLOURS.map((c, i) => solidPng(c, 64 + i, 48)));
  seededIds = [];
  for (let i = 0; i < SEED_IMAGES; i += 40) {
    const res = await uploadImages(rishi, 40, i % 80 === 0 ? 'public' : 'private');
    expect(res.status).toBe(200);
    seededIds.push(...res.ids);
  }
}, 300_000);
afterAll(async () => {
  await server?.kill('SIGTERM');
  await killAllLiveServers();
  await backend?.close();
  rmSync(root, { recursive: true, force: true });
  endTurn?.();
});

async function uploadImages(session: Session, count: number, visibility: 'public' | 'private') {
  const form = new FormData();
  form.append('visibility', visibility);
  form.append('duplicates', 'keep'); // the same bytes again: copies are kept
  for (let i = 0; i < count; i++) form.append('images', new Blob([new Uint8Array(pngs[i % pngs.length])], { type: 'image/png' }), `load-${i}.png`);
  const res = await fetch(`${server.base}/images`, {
    method: 'POST', body: form, headers: { cookie: session.cookie, 'x-csrf-token': session.token, accept: 'application/json' },
  });
  const body = (await res.json()) as { results?: { ok: boolean; image?: { id: string } }[]; error?: string };
  const results = body.results ?? [];
  return { status: res.status, ids: results.flatMap((r) => (r.ok ? [r.image!.id] : [])), rejected: results.filter((r) => !r.ok).length };
}

/** Gallery and search pages as people use them: HTML and JSON, first and later pages, one or several terms. */
function readPaths(): { path: string; json?: boolean }[] {
  const id = seededIds[7];
  return [
    { path: '/' },
    { path: '/?page=2' },
    { path: '/', json: true },
    { path: '/search?q=red' },
    { path: '/search?q=blue%2C%20green', json: true },
    { path: '/search?q=rishi&page=2' },
    { path: `/search?q=${id.slice(0, 8)}`, json: true },
    { path: '/search?q=cat' },
  ];
}

function requestsFor(session: Session) {
  return readPaths().map(({ path: p, json }) => ({
    method: 'GET' as const, path: p,
    headers: { cookie: session.cookie, ...(json ? { accept: 'application/json' } : { accept: 'text/html' }) },
  }));
}

type Figures = { requests: number; rps: number; errors: number; timeouts: number; non2xx: number; p50: number; p99: number; max: number };

async function hammer(title: string, session: Session, connections: number, seconds: number): Promise<Figures> {
  const result = await autocannon({ url: server.base, connections, duration: seconds, requests: requestsFor(session), timeout: 20 });
  const figures = {
    requests: result.requests.total, rps: Math.round(result.requests.average), errors: result.errors, timeouts: result.timeouts,
    non2xx: result.non2xx, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max,
  };
  console.log(`${title}: ${figures.requests} requests (${figures.rps}/s), ${figures.errors} errors, ${figures.timeouts} timeouts, ` +
    `${figures.non2xx} non-2xx, latency p50 ${figures.p50} ms, p99 ${figures.p99} ms, max ${figures.max} ms`);
  return figures;
}

describe('load', { timeout: 120_000 }, () => {
  it('when every page in the mix answers 200 on its own, then the mix is a fair test', async () => {
    for (const { path: p, json } of readPaths()) {
      const res = await fetch(`${server.base}${p}`, { headers: { cookie: rishi.cookie, accept: json ? 'application/json' : 'text/html' } });
      expect(res.status, p).toBe(200);
    }
  });

  it('when 50 connections read gallery and search pages for 30 s, then there are no errors and no non-2xx answers', async () => {
    const figures = await hammer('50 connections x 30 s, gallery + search', rishi, 50, 30);
    expect(figures.requests, "the run did real work").toBeGreaterThan(200);
    expect(figures).toMatchObject({ errors: 0, timeouts: 0, non2xx: 0 });
  });

  it('when four clients upload while others search, then no errors, every accepted image is there once, and ids are unique', async () => {
    const uploaders = await Promise.all([1, 2, 3, 4].map((i) => registerUser(server.base, `uploader-${i}`)));
    const accepted: string[][] = uploaders.map(() => []);
    const failures: string[] = [];
    let reading = true;
    const uploads = uploaders.map(async (session, u) => {
      let batches = 0;
      while (reading || batches < 3) {
        const res = await uploadImages(session, 3, batches % 2 ? 'public' : 'private');
        if (res.status !== 200 || res.rejected > 0) failures.push(`uploader-${u + 1} batch ${batches}: ${res.status}, ${res.rejected} rejected`);
        accepted[u].push(...res.ids);
        batches++;
      }
    });
    const readers = hammer('20 connections x 10 s of search while 4 clients upload', rishi, 20, 10).finally(() => (reading = false));
    const [figures] = await Promise.all([readers, ...uploads]);

    expect(failures).toEqual([]);
    expect(figures).toMatchObject({ errors: 0, timeouts: 0, non2xx: 0 });
    const all = accepted.flat();
    console.log(`uploads during search: ${all.length} images accepted from 4 clients`);
    expect(new Set(all).size).toBe(all.length);

    const stored = new Set(await backend.storedKeys());
    for (const [u, ids] of accepted.entries()) {
      const rows = await backend.rows<{ id: string; format: string }>`SELECT i.id, i.format FROM images i JOIN users u ON u.id = i.owner_id
        WHERE u.username = ${`uploader-${u + 1}`} ORDER BY i.seq`;
      expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
      for (const row of rows) {
        for (const key of [`${row.id}.${row.format}`, `${row.id}.thumb.webp`]) {
          expect(stored.has(key), key).toBe(true);
          expect((await backend.object(key)).length, key).toBeGreaterThan(0);
        }
      }
    }
    expect((await backend.rows<{ n: number }>`SELECT count(*) - count(DISTINCT id) AS n FROM images`)[0].n).toBe(0);
    // Each uploader's own search walks its images page by page: all there, none twice.
    for (const [u, ids] of accepted.entries()) {
      const seen: string[] = [];
      let next: string | undefined = `/search?q=uploader-${u + 1}`;
      while (next) {
        const res = await fetch(`${server.base}${next}`, { headers: { cookie: uploaders[u].cookie, accept: 'application/json' } });
        const page = (await res.json()) as { images: { id: string }[]; older?: string; total: number };
        expect(page.total).toBe(ids.length);
        seen.push(...page.images.map((i) => i.id));
        next = page.older;
      }
      expect(seen.sort()).toEqual([...ids].sort());
    }
  });
});
