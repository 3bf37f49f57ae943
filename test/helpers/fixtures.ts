// Synthetic images made on the spot with sharp (or by hand, for the malformed ones), so tests need no binary files.
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';

/** The CSRF token a page carries in its <meta name="csrf-token">; throws if it has none. */
export function csrfTokenIn(html: string, where = 'the page'): string {
  const match = /name="csrf-token" content="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no CSRF token on ${where}`);
  return match[1];
}

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const sharedDir = path.resolve(repoRoot, '../shared');
/** The MobileNet the app ships with (what it loads without MODEL_DIR); MODEL_DIR tries another. */
export const modelDir = process.env.MODEL_DIR ?? path.join(repoRoot, 'models/mobilenet_v2_1.0_224');
export const photosDir = path.join(sharedDir, 'testdata/photos');
export const imagenetDevDir = path.join(sharedDir, 'testdata/imagenet-dev');

/** The shared real photographs and the ImageNet classes each should get in its top 3. */
export function expectedPhotos(): { file: string; name: string; expect: string[] }[] {
  const listed = JSON.parse(readFileSync(path.join(photosDir, 'expected.json'), 'utf8')) as Record<string, { expect?: string[] }>;
  return Object.entries(listed)
    .filter(([name]) => !name.startsWith('_'))
    .map(([name, entry]) => ({ file: path.join(photosDir, name), name, expect: entry.expect ?? [] }));
}

/** The imagenet-dev photos with their class index (the line of their wnid in imagenet_wnids.txt). */
export function imagenetDevSet(): { file: string; name: string; classIndex: number }[] {
  const wnids = readFileSync(path.join(sharedDir, 'data/imagenet_wnids.txt'), 'utf8').trim().split('\n');
  return readdirSync(imagenetDevDir)
    .filter((name) => /^n\d{8}_.*\.jpe?g$/i.test(name))
    .map((name) => ({ file: path.join(imagenetDevDir, name), name, classIndex: wnids.indexOf(name.slice(0, 9)) }));
}

export type AcceptedFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff';

/** A temp folder with a writer; call cleanup() in afterAll. */
export async function tempFolder(prefix = 'image-repo-test-') {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    path: (name: string) => path.join(dir, name),
    write: async (name: string, data: Buffer | string) => {
      const file = path.join(dir, name);
      await writeFile(file, data);
      return file;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export function solidPng(hex: string, width = 64, height = 64): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: hex } }).png().toBuffer();
}

/** Left part `fraction` of the width in colour a, the rest in colour b. */
export async function twoColourPng(a: string, b: string, fraction: number, width = 100, height = 100): Promise<Buffer> {
  const left = Math.round(width * fraction);
  const right = await sharp({ create: { width: width - left, height, channels: 3, background: b } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: a } })
    .composite([{ input: right, left, top: 0 }])
    .png()
    .toBuffer();
}

/** A PNG whose pixels are fully transparent except a centred opaque square of `hex`. */
export async function transparentPng(hex = '#0000ff', width = 100, height = 100): Promise<Buffer> {
  const square = await sharp({ create: { width: width / 2, height: height / 2, channels: 4, background: hex } })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: square, gravity: 'centre' }])
    .png()
    .toBuffer();
}

/** A busy, deterministic RGB pattern: compresses badly, so truncation and corruption really bite. */
export function noiseRaw(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = seed >>> 24;
  }
  return data;
}

export function noiseImage(format: AcceptedFormat, width = 320, height = 240): Promise<Buffer> {
  return sharp(noiseRaw(width, height), { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

/** A landscape width×height JPEG whose EXIF says to rotate it (6 = 90° clockwise, so it displays portrait). */
export function jpegWithOrientation(orientation: number, width = 300, height = 200): Promise<Buffer> {
  return sharp(noiseRaw(width, height), { raw: { width, height, channels: 3 } })
    .jpeg()
    .withMetadata({ orientation })
    .toBuffer();
}

export async function truncatedJpeg(width = 640, height = 480): Promise<Buffer> {
  const jpeg = await noiseImage('jpeg', width, height);
  return jpeg.subarray(0, Math.floor(jpeg.length / 2));
}

/** A valid PNG except for one flipped byte in the CRC of its first IDAT chunk. */
export async function badCrcPng(width = 320, height = 240): Promise<Buffer> {
  const png = Buffer.from(await noiseImage('png', width, height));
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') {
      png[at + 8 + length] ^= 0xff;
      return png;
    }
    at += 12 + length;
  }
  throw new Error('no IDAT chunk');
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A tiny, well-formed PNG header that declares width×height RGB pixels (a decompression bomb's calling card). */
export function bombPng(width = 50_000, height = 50_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, adaptive filter, no interlace
  // The first row of zeros only: enough to look real, far too little for the declared size.
  const idat = zlib.deflateSync(Buffer.alloc(1 + width * 3));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An animated GIF of n black frames, each with one white pixel in a new place (so no two neighbours are equal). */
export function manyFrameGif(frames: number, width = 16, height = 16): Promise<Buffer> {
  return animation(frames, width, height).gif().toBuffer();
}

/** The same animation as an animated WebP. */
export function manyFrameWebp(frames: number, width = 16, height = 16): Promise<Buffer> {
  return animation(frames, width, height).webp({ effort: 0 }).toBuffer();
}

function animation(frames: number, width: number, height: number) {
  const frameBytes = width * height * 3;
  const data = Buffer.alloc(frameBytes * frames);
  for (let f = 0; f < frames; f++) {
    const at = f * frameBytes + (f % (width * height)) * 3;
    data.fill(255, at, at + 3);
  }
  return sharp(data, { raw: { width, height: height * frames, channels: 3, pageHeight: height } });
}

export const svgWithScript = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">' +
    '<script>alert(document.cookie)</script><rect width="64" height="64" fill="red"/></svg>',
);
export const htmlPage = Buffer.from('<!doctype html><html><body><script>alert(1)</script><p>hi</p></body></html>');
export const textFile = Buffer.from('This is plain text, not a picture.\n');
