// Figures 15a, 15b, 15e and 15f (issue 15): one request for 1,000 images' visibility, against 1,000 requests of one
// image each; the same 1,000 moved to the trash and back (Undo), one request each; a tag for the 1,000 in one
// request, against 1,000 requests; and a zip of 200 photos, streamed (its first byte, MB/s, the server's peak
// RSS), against downloading the same 200 one by one, on the same server in the same run.
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { httpClient, type Client } from '../lib/client.js';
import type { Figure } from '../lib/figure.js';
import { outDir } from '../lib/paths.js';
import { totalBytes, type BenchPhoto } from '../lib/photos.js';
import { VIEWER } from '../lib/seed.js';
import { startServer, type RunningServer } from '../lib/server.js';
import { median, round } from '../lib/stats.js';

const MB = 2 ** 20;
const BULK = 1000;
const ZIPPED = 200;

/** 1,000 small JPEGs of distinct colours, made once into bench/out/: the bulk figure needs images, not bytes. */
async function smallPhotos(): Promise<BenchPhoto[]> {
  const dir = path.join(outDir, 'selection-small');
  await mkdir(dir, { recursive: true });
  const made: BenchPhoto[] = [];
  for (let i = 0; i < BULK; i++) {
    const file = path.join(dir, `small-${String(i).padStart(4, '0')}.jpg`);
    if (!existsSync(file)) {
      const background = { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 151) % 256 };
      await writeFile(file, await sharp({ create: { width: 64, height: 48, channels: 3, background } }).jpeg().toBuffer());
    }
    made.push({ file, name: path.basename(file), megapixels: 0.003, bytes: (await stat(file)).size });
  }
  return made;
}

async function uploadAll(client: Client, photos: BenchPhoto[], batch: number): Promise<string[]> {
  const ids: string[] = [];
  for (let at = 0; at < photos.length; at += batch) {
    const reply = await client.upload(photos.slice(at, at + batch), 'public');
    if (reply.status !== 200) throw new Error(`upload answered ${reply.status}: ${reply.body.slice(0, 300)}`);
    const { results } = JSON.parse(reply.body) as { results: { ok: boolean; error?: string; image?: { id: string } }[] };
    for (const r of results) {
      if (!r.ok) throw new Error(`upload refused a file: ${r.error}`);
      ids.push(r.image!.id);
    }
  }
  return ids;
}

async function postJson(client: Client, url: string, body: object, token: string) {
  const text = JSON.stringify(body);
  const reply = await client.request('POST', url, {
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), Accept: 'application/json', 'X-CSRF-Token': token },
    body: text,
  });
  if (reply.status !== 200) throw new Error(`POST ${url} answered ${reply.status}: ${reply.body.slice(0, 200)}`);
  return reply;
}

/** A zip streamed and counted, not kept: the first byte's time, the last's, and the server's RSS every 20 ms. */
function downloadZip(server: RunningServer, client: Client, ids: string[], token: string) {
  const body = JSON.stringify({ ids });
  return new Promise<{ firstByteMs: number; ms: number; bytes: number; peakRssMb: number }>((resolve, reject) => {
    let peakRssMb = server.rssMb();
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, server.rssMb())), 20);
    const started = performance.now();
    const req = http.request(new URL('/selection/download', server.base), {
      method: 'POST', agent: false,
      headers: { Cookie: client.cookieHeader(), 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-CSRF-Token': token },
    }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`the zip answered ${res.statusCode}`));
      let firstByteMs = NaN;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        if (bytes === 0) firstByteMs = performance.now() - started;
        bytes += chunk.length;
      });
      res.on('end', () => {
        clearInterval(sampler);
        resolve({ firstByteMs, ms: performance.now() - started, bytes, peakRssMb: Math.max(peakRssMb, server.rssMb()) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A GET whose body is counted, not kept (as the zip's is): its length. */
function countedGet(base: string, url: string, client: Client, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(new URL(url, base), { agent, headers: { Cookie: client.cookieHeader() } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET ${url} answered ${res.statusCode}`));
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve(bytes));
    }).on('error', reject);
  });
}

export async function selectionActions(photos: BenchPhoto[]): Promise<Figure[]> {
  const dataDir = path.join(outDir, 'data/selection');
  await rm(dataDir, { recursive: true, force: true });
  // Without the model: the figures are about the selection's actions, and classifying 1,200 uploads would only slow the set-up.
  const server = await startServer({ name: 'selection', dataDir, withModel: false });
  const client = httpClient(server.base);
  try {
    await client.login(VIEWER.username, VIEWER.password);
    const small = await uploadAll(client, await smallPhotos(), 100);
    const zipped = photos.concat(photos).slice(0, ZIPPED);
    const big = await uploadAll(client, zipped, 20);
    const token = await client.csrf('/');

    // Bulk: 1,000 images made private and public again, five times each way; then one request per image.
    const bulkMs: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const visibility of ['private', 'public']) {
        const reply = await postJson(client, '/selection/visibility', { ids: small, visibility }, token);
        if ((JSON.parse(reply.body) as { changed: string[] }).changed.length !== BULK) throw new Error('the bulk change missed images');
        bulkMs.push(reply.ms);
      }
    }
    const oneByOneStarted = performance.now();
    for (const id of small) await postJson(client, `/images/${id}/visibility`, { visibility: 'private' }, token);
    const oneByOneMs = performance.now() - oneByOneStarted;

    // Trash and Undo: the 1,000 moved to the trash in one request and restored in one, three times.
    const trashMs: number[] = [];
    const undoMs: number[] = [];
    for (let round = 0; round < 3; round++) {
      const trashed = await postJson(client, '/selection/delete', { ids: small }, token);
      if ((JSON.parse(trashed.body) as { trashed: string[] }).trashed.length !== BULK) throw new Error('the trash missed images');
      trashMs.push(trashed.ms);
      const restored = await postJson(client, '/trash/restore', { ids: small }, token);
      if ((JSON.parse(restored.body) as { restored: string[] }).restored.length !== BULK) throw new Error('the undo missed images');
      undoMs.push(restored.ms);
    }

    // A tag for the 1,000 in one request, three tags; then one more tag one image at a time.
    const tagMs: number[] = [];
    for (let round = 0; round < 3; round++) {
      const tagged = await postJson(client, '/selection/tag', { ids: small, tag: `bench tag ${round}` }, token);
      if ((JSON.parse(tagged.body) as { tagged: string[] }).tagged.length !== BULK) throw new Error('the bulk tag missed images');
      tagMs.push(tagged.ms);
    }
    const tagOneByOneStarted = performance.now();
    for (const id of small) await postJson(client, `/images/${id}/tags`, { tag: 'one by one' }, token);
    const tagOneByOneMs = performance.now() - tagOneByOneStarted;

    // Zip: twice (the first warms the page cache), the second counted; then the same files one by one.
    await downloadZip(server, client, big, token);
    const rssBefore = server.rssMb();
    const zip = await downloadZip(server, client, big, token);
    const singlesStarted = performance.now();
    let singleBytes = 0;
    const agent = new http.Agent({ keepAlive: true });
    for (const id of big) singleBytes += await countedGet(server.base, `/images/${id}/download`, client, agent);
    agent.destroy();
    const singlesMs = performance.now() - singlesStarted;
    const originals = totalBytes(zipped);
    const zipMbPerS = zip.bytes / MB / (zip.ms / 1000);
    const singlesMbPerS = singleBytes / MB / (singlesMs / 1000);
    const bulk = median(bulkMs);
    return [
      {
        id: '15a', title: `15a bulk visibility of ${BULK.toLocaleString('en-US')} images, one request (median of 10)`, value: round(bulk, 0), unit: 'ms',
        comparison: { label: `${BULK.toLocaleString('en-US')} single-image requests`, value: round(oneByOneMs, 0), unit: 'ms', ratio: round(oneByOneMs / bulk, 1), ratioLabel: 'x faster' },
        target: { text: '< 2,000 ms', met: bulk < 2000 },
        details: { bulkMinMs: round(Math.min(...bulkMs), 0), bulkMaxMs: round(Math.max(...bulkMs), 0) },
      },
      {
        id: '15e', title: `15e ${BULK.toLocaleString('en-US')} images moved to the trash in one request (median of 3)`, value: round(median(trashMs), 0), unit: 'ms',
        comparison: { label: 'their Undo (one restore request)', value: round(median(undoMs), 0), unit: 'ms', ratio: round(median(undoMs) / median(trashMs), 1), ratioLabel: 'x the trash' },
        target: { text: '< 2,000 ms each, as a bulk action', met: median(trashMs) < 2000 && median(undoMs) < 2000 },
        details: { trashMs: trashMs.map((ms) => round(ms, 0)).join(', '), undoMs: undoMs.map((ms) => round(ms, 0)).join(', ') },
      },
      {
        id: '15f', title: `15f a tag added to ${BULK.toLocaleString('en-US')} images in one request (median of 3)`, value: round(median(tagMs), 0), unit: 'ms',
        comparison: { label: `${BULK.toLocaleString('en-US')} single-image tag requests`, value: round(tagOneByOneMs, 0), unit: 'ms', ratio: round(tagOneByOneMs / median(tagMs), 1), ratioLabel: 'x faster' },
        target: { text: '< 2,000 ms, as a bulk action', met: median(tagMs) < 2000 },
        details: { tagMs: tagMs.map((ms) => round(ms, 0)).join(', ') },
      },
      {
        id: '15b', title: `15b zip of ${ZIPPED} photos (${round(originals / MB, 0)} MB), streamed`, value: round(zipMbPerS, 0), unit: 'MB/s',
        comparison: { label: `the same ${ZIPPED} downloaded one by one`, value: round(singlesMbPerS, 0), unit: 'MB/s', ratio: round(zipMbPerS / singlesMbPerS, 2), ratioLabel: 'x' },
        target: { text: 'first byte < 1 s, RSS growth < 100 MB', met: zip.firstByteMs < 1000 && zip.peakRssMb - rssBefore < 100 },
        details: {
          zipFirstByteMs: round(zip.firstByteMs, 1), zipMs: round(zip.ms, 0), zipMb: round(zip.bytes / MB, 1), originalsMb: round(originals / MB, 1),
          rssBeforeMb: round(rssBefore, 0), peakRssMb: round(zip.peakRssMb, 0),
        },
      },
    ];
  } finally {
    client.close();
    await server.stop();
  }
}
