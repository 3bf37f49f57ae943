// Figures 2 and 3: 100 JPEGs in one HTTP upload to the running app, against a bare single-threaded pipeline
// on the same files in this process; and GET /login latency sampled every 20 ms while the upload runs.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { nameColour } from '../../src/images/colour.js';
import type { Label } from '../../src/images/classifier.js';
import type { TfjsClassifier } from '../../src/images/tfjs-classifier.js';
import type { Client } from '../lib/client.js';
import type { Figure } from '../lib/figure.js';
import { outDir } from '../lib/paths.js';
import { totalBytes, type BenchPhoto } from '../lib/photos.js';
import { startLoginSampler, type LatencySample } from '../lib/sampler.js';
import { median, percentile, round, sleep } from '../lib/stats.js';

type Result = { colour: string; labels: string[] };
type UploadReply = { results: { filename: string; ok: boolean; error?: string; image?: { colour: { name: string; hex: string }; labels: Label[] } }[] };

/** One upload of `photos`; throws unless every file was accepted. Returns the wall time and each file's result. */
export async function uploadAll(client: Client, photos: BenchPhoto[], labelled = true): Promise<{ ms: number; results: Map<string, Result> }> {
  const reply = await client.upload(photos);
  if (reply.status !== 200) throw new Error(`upload answered ${reply.status}: ${reply.body.slice(0, 300)}`);
  const body = JSON.parse(reply.body) as UploadReply;
  const failed = body.results.filter((r) => !r.ok);
  if (failed.length > 0 || body.results.length !== photos.length) {
    throw new Error(`upload refused ${failed.length} of ${photos.length}: ${failed[0]?.error}`);
  }
  const results = new Map(body.results.map((r) => [r.filename, { colour: r.image!.colour.name, labels: r.image!.labels.map((l) => l.name) }]));
  if (labelled && [...results.values()].some((r) => r.labels.length !== 3)) throw new Error('an image came back without its 3 labels');
  return { ms: reply.ms, results };
}

export async function ingestAndResponsiveness(
  base: string,
  client: Client,
  photos: BenchPhoto[],
  inProcess: TfjsClassifier,
  bareInferenceMs: number,
): Promise<Figure[]> {
  // Idle latency first, the same way, as the comparison for figure 3.
  const idleSampler = startLoginSampler(base);
  await idleSampler.ready;
  await sleep(2000);
  const idle = ok(await idleSampler.stop());

  const sampler = startLoginSampler(base);
  await sampler.ready;
  await sleep(100);
  const app = await uploadAll(client, photos);
  const busy = ok(await sampler.stop());
  const appRate = photos.length / (app.ms / 1000);

  const bare = await barePipeline(photos, inProcess);
  const bareRate = photos.length / (bare.ms / 1000);
  const same = agreement(app.results, bare.results);
  const checksumMs = await checksumTime(photos);

  const cores = availableParallelism();
  const ceiling = (cores * 1000) / bareInferenceMs;
  const p99 = percentile(busy, 99);
  const idle99 = percentile(idle, 99);
  return [
    {
      id: 'ingest',
      title: `2. Ingest ${photos.length} JPEGs (2-12 MP) in one upload / bare pipeline`,
      value: round(appRate, 1),
      unit: 'img/s',
      comparison: { label: 'bare single-threaded', value: round(bareRate, 2), unit: 'img/s', ratio: round(appRate / bareRate, 2), ratioLabel: 'x' },
      target: { text: '>= 5x', met: appRate / bareRate >= 5 },
      details: {
        'upload MB': round(totalBytes(photos) / 2 ** 20, 1),
        'app wall s (first byte sent to last result)': round(app.ms / 1000, 2),
        'bare wall s': round(bare.ms / 1000, 2),
        'bare ms per image: decode+orient': round(bare.steps.decode, 1),
        'bare ms per image: stats()': round(bare.steps.stats, 1),
        'bare ms per image: thumbnail': round(bare.steps.thumb, 1),
        'bare ms per image: crop': round(bare.steps.crop, 1),
        'bare ms per image: inference': round(bare.steps.infer, 1),
        'inference-only floor, ms per image per core': round(bareInferenceMs, 1),
        [`inference-only ceiling on ${cores} cores, img/s`]: round(ceiling, 1),
        'app rate / inference-only ceiling': round(appRate / ceiling, 2),
        'same colour name as the bare pipeline': `${same.colour}/${photos.length}`,
        'same top-1 label as the bare pipeline': `${same.top1}/${photos.length}`,
        "app's top-1 within the bare top-3": `${same.top1InTop3}/${photos.length}`,
        'SHA-256 of each file as the upload takes it (copies are caught by it), ms per image': round(checksumMs / photos.length, 2),
        // The upload takes the digest on the main thread as the bytes stream in: at most this share of its wall time.
        'SHA-256 of all the files / app wall time, %': round((checksumMs / app.ms) * 100, 2),
      },
    },
    {
      id: 'responsiveness',
      title: '3. GET /login p99 during that upload (every 20 ms)',
      value: round(p99, 1),
      unit: 'ms',
      comparison: { label: 'idle p99', value: round(idle99, 1), unit: 'ms', ratio: round(p99 / idle99, 2), ratioLabel: 'x' },
      target: { text: 'p99 <= 20 ms', met: p99 <= 20 },
      details: {
        samples: busy.length,
        'p50 ms': round(median(busy), 1),
        'p90 ms': round(percentile(busy, 90), 1),
        'max ms': round(Math.max(...busy), 1),
        'idle p50 ms': round(median(idle), 1),
      },
    },
  ];
}

/**
 * The digests the upload takes (web/upload.ts): SHA-256 over each file's bytes in the 64 KiB chunks they
 * arrive in. The files are read first, outside the timing: the upload hashes bytes it already holds.
 */
async function checksumTime(photos: BenchPhoto[]): Promise<number> {
  let ms = 0;
  for (const photo of photos) {
    const bytes = await readFile(photo.file);
    const started = performance.now();
    const hash = createHash('sha256');
    for (let at = 0; at < bytes.length; at += CHUNK) hash.update(bytes.subarray(at, at + CHUNK));
    hash.digest('hex');
    ms += performance.now() - started;
  }
  return ms;
}
const CHUNK = 64 * 1024;

function ok(samples: LatencySample[]): number[] {
  const bad = samples.filter((s) => s.status !== 200);
  if (bad.length > 0) throw new Error(`GET /login failed ${bad.length} times during sampling (${bad[0].status} ${bad[0].error ?? ''})`);
  return samples.map((s) => s.ms);
}

/**
 * The naive way, one image after another on one thread: decode each file once at full size and orient it,
 * then from that decoded image the dominant colour (stats()), a thumbnail, the 87.5% centre crop and inference.
 */
async function barePipeline(photos: BenchPhoto[], classifier: TfjsClassifier) {
  const previous = sharp.concurrency();
  sharp.concurrency(1);
  const steps = { decode: 0, stats: 0, thumb: 0, crop: 0, infer: 0 };
  const results = new Map<string, Result>();
  const started = performance.now();
  for (const photo of photos) {
    let t = performance.now();
    const lap = (step: keyof typeof steps) => {
      const now = performance.now();
      steps[step] += now - t;
      t = now;
    };
    const { data, info } = await sharp(photo.file, { limitInputPixels: false }).autoOrient().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const decoded = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
    lap('decode');
    const { dominant } = await decoded().stats();
    lap('stats');
    const thumb = await decoded().resize(400, 400, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80, effort: 2 }).toBuffer();
    await writeFile(path.join(outDir, 'bare-thumb.webp'), thumb);
    lap('thumb');
    const side = Math.round(Math.min(info.width, info.height) * 0.875);
    const crop = await decoded()
      .extract({ left: Math.floor((info.width - side) / 2), top: Math.floor((info.height - side) / 2), width: side, height: side })
      .resize(224, 224, { fit: 'fill' })
      .raw()
      .toBuffer();
    lap('crop');
    const { labels } = await classifier.classify(new Uint8Array(crop.buffer, crop.byteOffset, crop.byteLength));
    lap('infer');
    const hex = '#' + [dominant.r, dominant.g, dominant.b].map((v) => v.toString(16).padStart(2, '0')).join('');
    results.set(path.basename(photo.file), { colour: nameColour(hex), labels: labels.map((l) => l.name) });
  }
  const ms = performance.now() - started;
  sharp.concurrency(previous);
  for (const k of Object.keys(steps) as (keyof typeof steps)[]) steps[k] /= photos.length;
  return { ms, steps, results };
}

function agreement(app: Map<string, Result>, bare: Map<string, Result>) {
  let colour = 0;
  let top1 = 0;
  let top1InTop3 = 0;
  for (const [name, a] of app) {
    const b = bare.get(name)!;
    if (a.colour === b.colour) colour++;
    if (a.labels[0] === b.labels[0]) top1++;
    if (b.labels.includes(a.labels[0])) top1InTop3++;
  }
  return { colour, top1, top1InTop3 };
}
