// Figure 10 (issue 16): what another user's GET /images/:id/file costs per MB of original, the first time (the
// copy without identifying metadata is made, stored and sent) and later (the stored copy is sent), against the
// owner's GET of the stored bytes, on the same files in the same server; and the cleaning alone in this process.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { withoutIdentifyingMetadata } from '../../src/images/metadata/index.js';
import { httpClient, type Client } from '../lib/client.js';
import type { Figure } from '../lib/figure.js';
import { outDir } from '../lib/paths.js';
import { totalBytes, type BenchPhoto } from '../lib/photos.js';
import { VIEWER } from '../lib/seed.js';
import { startServer } from '../lib/server.js';
import { median, percentile, round } from '../lib/stats.js';

const OTHER = { username: 'bench-other', password: 'bench-password' };
const SERIAL = 'SN-4711-0815-BENCH';
const OWNER_NAME = 'Jane Q. Photographer';
const MB = 2 ** 20;

/** What a phone or camera writes: make and model, names, serials, a GPS position and XMP with a creator. */
const cameraExif = (orientation: number | undefined) => ({
  IFD0: { Make: 'BenchCam', Model: 'BC-1 Mark II', Artist: OWNER_NAME, Copyright: OWNER_NAME, ...(orientation ? { Orientation: String(orientation) } : {}) },
  IFD2: { BodySerialNumber: SERIAL, LensSerialNumber: 'LS-000123', CameraOwnerName: OWNER_NAME, DateTimeOriginal: '2025:06:01 12:34:56' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 1234/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 3900/100', GPSAltitude: '35/1' },
});
const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  `<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>${OWNER_NAME}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>`;

/** `photos` written again as `format` with that metadata (and their orientation), made once into bench/out/. */
async function withCameraMetadata(photos: BenchPhoto[], format: 'jpeg' | 'png' | 'webp'): Promise<BenchPhoto[]> {
  const dir = path.join(outDir, 'metadata-v1');
  await mkdir(dir, { recursive: true });
  const made: BenchPhoto[] = [];
  for (const photo of photos) {
    const file = path.join(dir, photo.name.replace(/\.jpg$/, `.${format}`));
    if (!existsSync(file)) {
      const { orientation } = await sharp(photo.file).metadata();
      const image = sharp(photo.file).keepIccProfile().withExif(cameraExif(orientation)).withXmp(XMP);
      await (format === 'jpeg' ? image.jpeg({ quality: 90 }) : image.toFormat(format)).toFile(`${file}.tmp`);
      await rename(`${file}.tmp`, file);
    }
    made.push({ ...photo, file, name: path.basename(file), bytes: (await stat(file)).size });
  }
  return made;
}

const identifying = (file: Buffer) => [SERIAL, OWNER_NAME, 'BenchCam'].some((s) => file.includes(s));

/** A GET whose body is counted, not kept: the time is from the request sent to the last byte received. */
function timedGet(base: string, url: string, client: Client, agent: http.Agent): Promise<{ status: number; bytes: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    http.get(new URL(url, base), { agent, headers: { Cookie: client.cookieHeader() } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - started }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function register(client: Client, username: string, password: string): Promise<void> {
  const body = new URLSearchParams({ _csrf: await client.csrf('/register'), username, password, confirm: password }).toString();
  const reply = await client.request('POST', '/register', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
    body,
  });
  if (reply.status !== 303) throw new Error(`registering ${username} answered ${reply.status}`);
}

/** The owner uploads `photos` (public) in one request; their ids in the same order. */
async function uploadPublic(client: Client, photos: BenchPhoto[]): Promise<string[]> {
  const reply = await client.upload(photos, 'public');
  if (reply.status !== 200) throw new Error(`upload answered ${reply.status}: ${reply.body.slice(0, 300)}`);
  const { results } = JSON.parse(reply.body) as { results: { filename: string; ok: boolean; error?: string; image?: { id: string } }[] };
  const byName = new Map(results.map((r) => [r.filename, r]));
  return photos.map((p) => {
    const result = byName.get(p.name);
    if (!result?.ok) throw new Error(`upload refused ${p.name}: ${result?.error}`);
    return result.image!.id;
  });
}

type Served = { stored: number[]; first: number[]; cached: number[]; cleanBytes: number; leaks: number };

/**
 * Per photo: another user's first GET, then `rounds` of the owner's GET and the other's GET in turn, each in
 * ms per MB of original. The last photo only warms both paths up and is not counted.
 */
async function serveAll(photos: BenchPhoto[], rounds: number): Promise<Served> {
  const dataDir = path.join(outDir, 'data/metadata');
  await rm(dataDir, { recursive: true, force: true });
  const server = await startServer({ name: 'metadata', dataDir, withModel: false });
  const [owner, other] = [httpClient(server.base), httpClient(server.base)];
  const agent = new http.Agent({ keepAlive: true });
  try {
    await owner.login(VIEWER.username, VIEWER.password);
    await register(other, OTHER.username, OTHER.password);
    const ids = await uploadPublic(owner, photos);
    const served: Served = { stored: [], first: [], cached: [], cleanBytes: 0, leaks: 0 };
    for (let i = ids.length - 1; i >= 0; i--) {
      const warmUp = i === ids.length - 1;
      const get = async (client: Client, samples: number[]) => {
        const reply = await timedGet(server.base, `/images/${ids[i]}/file`, client, agent);
        if (reply.status !== 200) throw new Error(`GET /images/${ids[i]}/file answered ${reply.status}`);
        if (!warmUp) samples.push(reply.ms / (photos[i].bytes / MB));
        return reply.bytes;
      };
      const cleanBytes = await get(other, served.first);
      for (let r = 0; r < rounds; r++) {
        if ((await get(owner, served.stored)) !== photos[i].bytes) throw new Error('the owner was not sent the stored original');
        await get(other, served.cached);
      }
      if (warmUp) continue;
      const copy = await readFile(path.join(dataDir, 'uploads', `${ids[i]}.shared.jpeg`));
      if (copy.length !== cleanBytes) throw new Error('the other user was not sent the shared copy');
      served.cleanBytes += cleanBytes;
      if (identifying(copy)) served.leaks++;
    }
    return served;
  } finally {
    agent.destroy();
    owner.close();
    other.close();
    await server.stop();
  }
}

/** `withoutIdentifyingMetadata` alone on each file, `rounds` times: the median per MB, and per file. */
async function cleanInProcess(photos: BenchPhoto[], format: 'jpeg' | 'png' | 'webp', rounds = 3): Promise<string> {
  const [perMb, perFile]: number[][] = [[], []];
  for (const photo of photos) {
    const file = await readFile(photo.file);
    if (!identifying(file)) throw new Error(`${photo.name} has none of the metadata it should have`);
    for (let r = 0; r < rounds; r++) {
      const started = performance.now();
      const clean = await withoutIdentifyingMetadata(file, format);
      perFile.push(performance.now() - started);
      perMb.push(perFile.at(-1)! / (file.length / MB));
      if (identifying(clean)) throw new Error(`the ${format} cleaner left identifying metadata in ${photo.name}`);
    }
  }
  return `${round(median(perMb), 2)} ms/MB, ${round(median(perFile), 2)} ms a file (${photos.length} files, ${round(totalBytes(photos) / MB, 1)} MB)`;
}

export async function sharedCopyCost(all: BenchPhoto[], count = 20, rounds = 5): Promise<Figure> {
  // Every size from 2 to 12 MP, and one more photo to warm up on.
  const picked = Array.from({ length: count + 1 }, (_, i) => all[Math.round((i * (all.length - 1)) / count)]);
  const photos = await withCameraMetadata(picked, 'jpeg');
  const measured = photos.slice(0, count);
  const served = await serveAll(photos, rounds);
  // Two of the smaller photos (one stored on its side) as PNG and WebP: PNG makes them large.
  const others = [all[0], all[3]];
  const clean = {
    jpeg: await cleanInProcess(measured, 'jpeg'),
    png: await cleanInProcess(await withCameraMetadata(others, 'png'), 'png'),
    webp: await cleanInProcess(await withCameraMetadata(others, 'webp'), 'webp'),
  };
  const [stored, first, cached] = [median(served.stored), median(served.first), median(served.cached)];
  const mb = totalBytes(measured) / MB;
  return {
    id: 'shared-copy',
    title: `10. Another user's first GET of an original (cleaned, stored, sent) / the owner's (stored bytes), ${count} JPEGs`,
    value: round(first, 2),
    unit: 'ms/MB',
    comparison: { label: 'stored bytes (owner)', value: round(stored, 2), unit: 'ms/MB', ratio: round(first / stored, 2), ratioLabel: 'x' },
    target: { text: 'cached copy within 1.2x of stored bytes', met: cached / stored <= 1.2 },
    details: {
      'photos (JPEG, 2-12 MP, EXIF with GPS, serials, names; XMP)': count,
      'MB of originals': round(mb, 1),
      'cleaned copies / originals, bytes': round(served.cleanBytes / totalBytes(measured), 4),
      'requests per photo': `1 first by the other user, then ${rounds} x (owner, other user) in turn`,
      'stored bytes (owner) ms/MB: median / p90': `${round(stored, 2)} / ${round(percentile(served.stored, 90), 2)}`,
      'first request (clean + store + send) ms/MB: median / p90': `${round(first, 2)} / ${round(percentile(served.first, 90), 2)}`,
      'cached copy (other user, later requests) ms/MB: median / p90': `${round(cached, 2)} / ${round(percentile(served.cached, 90), 2)}`,
      'cached copy / stored bytes': round(cached / stored, 2),
      'first request / stored bytes': round(first / stored, 2),
      'stored copies still holding the serial, names or make': `${served.leaks}/${count}`,
      'withoutIdentifyingMetadata in process, JPEG (the same files)': clean.jpeg,
      'withoutIdentifyingMetadata in process, PNG (2 of the photos)': clean.png,
      'withoutIdentifyingMetadata in process, WebP (the same 2)': clean.webp,
    },
  };
}
