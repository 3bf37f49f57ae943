import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelDir, repoRoot, tempFolder, solidPng } from '../helpers/fixtures.js';
import { killAllLiveServers, logIn, startLiveServer } from '../helpers/live-server.js';

let root: string;
beforeEach(async () => void (root = (await tempFolder('image-repo-process-')).dir));
afterEach(() => rm(root, { recursive: true, force: true }));
afterAll(killAllLiveServers);

// No model: these tests are about the process, and start in a second instead of loading MobileNet.
const envFor = (dir: string) => ({ DATA_DIR: dir, UPLOAD_DIR: path.join(dir, 'uploads'), MODEL_DIR: path.join(dir, 'no-model'), LOG_LEVEL: 'info' });

describe('the server process', () => {
  it('when a variable is invalid, then start-up stops with a message naming it', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: repoRoot, env: { PATH: process.env.PATH, PORT: 'eighty' }, encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Configuration error: PORT must be a whole number');
  });

  it('when started with the default, relative data and upload folders, then files, thumbnails and downloads are served', async () => {
    // No DATA_DIR, UPLOAD_DIR or DATABASE_PATH: the README's `npm start`, run from this folder.
    const server = await startLiveServer({ MODEL_DIR: path.join(root, 'no-model'), LOG_LEVEL: 'info' }, 60_000, root);
    const { cookie, token } = await logIn(server.base);
    const form = new FormData();
    form.append('visibility', 'private');
    form.append('images', new Blob([new Uint8Array(await solidPng('#336699', 600, 400))], { type: 'image/png' }), 'a.png');
    const res = await fetch(`${server.base}/images`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': token, accept: 'application/json' } });
    const { results } = (await res.json()) as { results: { image: { id: string } }[] };
    const id = results[0].image.id;
    for (const [route, type] of [['file', 'image/png'], ['thumb', 'image/webp'], ['download', 'image/png']]) {
      const got = await fetch(`${server.base}/images/${id}/${route}`, { headers: { cookie } });
      expect(got.status, route).toBe(200);
      expect(got.headers.get('content-type'), route).toBe(type);
      expect((await got.arrayBuffer()).byteLength, route).toBeGreaterThan(0);
    }
    expect(readdirSync(path.join(root, 'uploads')).filter((f) => f.startsWith(id)).sort()).toEqual([`${id}.png`, `${id}.thumb.webp`]);
    expect(existsSync(path.join(root, 'data', 'image-repo.db'))).toBe(true);
    await server.kill();
  });

  it('when no model can be loaded, then it still starts, says so in the log, and the demo user can log in', async () => {
    const server = await startLiveServer(envFor(root));
    expect(server.output()).toContain('No MobileNet model could be loaded');
    await logIn(server.base);
    await server.kill();
  });

  it('when it has classified an upload, then the threads doing image work run at a lower CPU priority than the event loop (Linux)', async () => {
    const server = await startLiveServer({ ...envFor(root), MODEL_DIR: modelDir, CLASSIFIER_THREADS: '2' });
    const { cookie, token } = await logIn(server.base);
    const form = new FormData();
    form.append('visibility', 'public');
    form.append('images', new Blob([new Uint8Array(await solidPng('#336699', 600, 400))], { type: 'image/png' }), 'a.png');
    const res = await fetch(`${server.base}/images`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': token, accept: 'application/json' } });
    expect(((await res.json()) as { results: { image?: { classified: boolean } }[] }).results[0].image?.classified).toBe(true);

    const pid = server.child.pid!;
    const threads = readdirSync(`/proc/${pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // Field 19 of stat(5) is the nice value; fields after the ")" that closes the name start at field 3.
      return { tid: Number(tid), name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) };
    });
    const base = os.getPriority(); // the server inherits this test's nice value
    const lowered = Math.min(19, base + 10);
    expect(threads.find((t) => t.tid === pid)?.nice).toBe(base);
    const vips = threads.filter((t) => t.name === 'libvips worker');
    expect(vips.length).toBeGreaterThan(0);
    for (const t of vips) expect(t.nice, `libvips worker ${t.tid}`).toBe(lowered);
    // Besides libvips's threads: libuv's pool of 4 and the 2 classifier workers.
    expect(threads.filter((t) => t.name !== 'libvips worker' && t.nice === lowered).length).toBeGreaterThanOrEqual(6);
    // What keeps the event loop's priority is what existed before start-up: the main thread and the 6 that
    // Node starts with it (V8's helpers among them; 7 in all under node dist/server.js), and here tsx's loader thread.
    expect(threads.filter((t) => t.nice === base).length, JSON.stringify(threads)).toBeLessThanOrEqual(8);
    for (const t of threads) expect([base, lowered], `${t.name} ${t.tid}`).toContain(t.nice);
    await server.kill();
  });

  it('when SIGTERM arrives during an upload, then the upload finishes, the process exits 0 and the database is closed cleanly', async () => {
    const server = await startLiveServer(envFor(root));
    const { cookie, token } = await logIn(server.base);
    const form = new FormData();
    form.append('visibility', 'public');
    form.append('duplicates', 'keep'); // twelve of one file: copies are kept
    const png = await solidPng('#336699', 600, 400);
    for (let i = 0; i < 12; i++) form.append('images', new Blob([new Uint8Array(png)], { type: 'image/png' }), `${i}.png`);
    const uploading = fetch(`${server.base}/images`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': token, accept: 'application/json' } });
    await new Promise((r) => setTimeout(r, 30));
    server.child.kill('SIGTERM');
    const res = await uploading;
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: { ok: boolean }[] };
    expect(body.results.filter((r) => r.ok)).toHaveLength(12);
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');
    // A clean close checkpoints the WAL and removes it.
    expect(existsSync(path.join(root, 'image-repo.db-wal'))).toBe(false);
  });
});
