// Audit finding 7 against the real server process: floods of GIFs that are cheap to send and dear to decode.
// Its resident memory is read from /proc (VmHWM, the peak) while the uploads run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gifBomb } from '../helpers/bombs.js';
import { heavyTurn, killAllLiveServers, logIn, startLiveServer, type LiveServer } from '../helpers/live-server.js';

const MB = 1024 * 1024;
let root: string;
let endTurn: (() => void) | undefined;
let server: LiveServer | undefined;

beforeAll(async () => {
  endTurn = await heavyTurn();
  root = mkdtempSync(path.join(tmpdir(), 'image-repo-flood-'));
}, 300_000);
afterEach(async () => {
  await server?.kill();
  server = undefined;
});
afterAll(async () => {
  await killAllLiveServers();
  rmSync(root, { recursive: true, force: true });
  endTurn?.();
});

const memory = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/** `requests` uploads at once of `perRequest` copies of `gif`; the answers and how far the server's peak memory rose. */
async function flood(env: Record<string, string>, gif: Buffer, requests: number, perRequest: number) {
  const dir = mkdtempSync(path.join(root, 'run-'));
  server = await startLiveServer({ DATA_DIR: dir, UPLOAD_DIR: path.join(dir, 'uploads'), MALLOC_ARENA_MAX: '2', ...env });
  const session = await logIn(server.base);
  const pid = server.child.pid!;
  const before = memory(pid, 'VmRSS');
  const answers = await Promise.all(Array.from({ length: requests }, async () => {
    const body = new FormData();
    body.append('visibility', 'public');
    body.append('duplicates', 'keep'); // the same bytes again: copies are kept
    for (let i = 0; i < perRequest; i++) body.append('images', new Blob([new Uint8Array(gif)], { type: 'image/gif' }), `flood-${i}.gif`);
    const res = await fetch(`${server!.base}/images`, {
      method: 'POST', body, headers: { cookie: session.cookie, 'x-csrf-token': session.token, accept: 'application/json' },
    });
    return { status: res.status, results: ((await res.json()) as { results: { ok: boolean; reason?: string }[] }).results };
  }));
  return { answers, growth: memory(pid, 'VmHWM') - before };
}

describe('GIF floods against the real server', () => {
  it('when four clients send 25 GIFs of 35 bytes declaring 10000 x 10000 each, then every one is refused and memory hardly moves', async () => {
    const { answers, growth } = await flood({}, gifBomb({ width: 10000, height: 10000 }), 4, 25);
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.results).toHaveLength(25);
      for (const r of answer.results) expect(r).toMatchObject({ ok: false, reason: 'canvas-beyond-data' });
    }
    // Unbounded, this flood decoded a 10000 x 10000 canvas per file, four at a time: over 1.5 GB.
    expect(growth).toBeLessThan(150 * MB);
  }, 120_000);

  it('when eight clients at once send real 16-megapixel GIFs, then the decode budget lets them through a few at a time', async () => {
    // 11 KB of real LZW data each, so no per-file check refuses them. MAX_MEGAPIXELS=20 makes the budget
    // 80 MB: one such GIF (5 bytes a pixel) at a time, where eight requests used to decode eight at once.
    const flat = await sharp({ create: { width: 4000, height: 4000, channels: 3, background: '#2a6f97' } }).gif().toBuffer();
    const { answers, growth } = await flood({ MAX_MEGAPIXELS: '20' }, flat, 8, 3);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.results.map((r) => r.ok)).toEqual([true, true, true]);
    }
    expect(growth).toBeLessThan(300 * MB);
  }, 180_000);
});
