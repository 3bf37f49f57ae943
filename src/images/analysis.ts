import { readFile, rm, stat } from 'node:fs/promises';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { MODEL_INPUT_SIZE } from './classifier.js';
import { dominantHex } from './dominant-colour.js';
import { paletteOf, type PaletteColour } from './palette.js';
import { CROP_FRACTION, modelPixels } from './model-input.js';
import { ImageRejected, type Rejection } from './rejections.js';
import { readPhotoDetails, type PhotoDetails } from './metadata/details.js';
import { perceptualHash, type PerceptualHash } from './perceptual-hash.js';

export { ImageRejected };

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff';

export type Analysis = {
  format: ImageFormat;
  mime: string;
  width: number; // after EXIF orientation
  height: number;
  colourHex: string; // '#rrggbb', dominant colour
  /** The named colours that each cover a real share of the image, most first (palette.ts). */
  palette: PaletteColour[];
  modelInput: Uint8Array; // MODEL_INPUT_SIZE² × 3 RGB
  /** What finds the same photo resized, recompressed or lightly cropped (perceptual-hash.ts); null when flat. */
  hash: PerceptualHash | null;
  /** What the camera recorded (date taken, camera, exposure, place); a missing or broken EXIF block gives none. */
  details: PhotoDetails;
};

const MIME: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', avif: 'image/avif', tiff: 'image/tiff',
};

export const THUMB_SIZE = 400;
const COLOUR_SIZE = 256;
// The one decode goes down to the smallest size that still serves the thumbnail and a crisp 224 model input.
const BASE_LONG = 512;
const BASE_SHORT = Math.ceil(MODEL_INPUT_SIZE / CROP_FRACTION);
const WHITE_BIN = '#f8f8f8';

// libvips keeps the results of recent operations (up to 50 MB) for reuse; every upload is a new image, so
// nothing would ever be reused and the cache only holds resident memory.
sharp.cache(false);

/** Decoded sRGB pixels, as sharp's raw output describes them. */
export type Raw = { data: Buffer; info: { width: number; height: number; channels: 1 | 2 | 3 | 4 } };

/** Runs a decode once `bytes` of decode memory are free (the server's DecodeBudget); unset, at once. */
export type Admit = <T>(bytes: number, work: () => Promise<T>) => Promise<T>;

/** `bytes` is the file's size when the caller knows it (else it is read from disk when needed). */
export type DecodeLimits = { maxPixels: number; bytes?: number; admit?: Admit };

// What a decode holds in memory per pixel of the canvas it declares, measured (see README, Decisions):
// JPEG shrinks on load and PNG and TIFF stream rows; WebP (lossless), GIF and AVIF (libaom's frame
// buffers) hold the whole frame.
const DECODE_BYTES_PER_PIXEL: Record<ImageFormat, number> = { jpeg: 1, png: 2, tiff: 2, webp: 4, gif: 5, avif: 20 };

// The most pixels one byte of compressed data can describe: a GIF's LZW code is 12 bits at most and
// stands for at most 4,096 pixels; deflate turns one byte into at most 1,032, which are 8,256 one-bit
// pixels. A canvas larger than that is not there to be decoded. (WebP, AVIF, TIFF and JPEG's arithmetic
// coding can describe a flat image in almost nothing, so no such bound exists for them.)
const MAX_PIXELS_PER_BYTE: Partial<Record<ImageFormat, number>> = { gif: 4096 / 1.5, png: 1032 * 8 };

// A GIF is decoded whole, 5 bytes a pixel; no real one comes near this (a 4K screen recording is 8.3 MP).
export const GIF_MAX_PIXELS = 25_000_000;

const decodeNow: Admit = (_bytes, work) => work();

export async function analyseImage(inputPath: string, thumbPath: string, limits: DecodeLimits): Promise<Analysis> {
  const { header, base } = await decodeImage(inputPath, limits);
  const modelInput = modelPixels(base);
  const hash = perceptualHash(base);
  // Both settle before either failure is reported: sharp may still be writing the thumbnail when the colour
  // fails, and the caller's clean-up must not run before that file exists.
  const [colour, thumbnail] = await Promise.allSettled([dominantColour(base), writeThumbnail(base, thumbPath)]);
  if (thumbnail.status === 'rejected') throw thumbnail.reason;
  if (colour.status === 'rejected') throw colour.reason;
  const { format, width, height, details } = header;
  return { format, mime: MIME[format], width, height, colourHex: colour.value.hex, palette: colour.value.palette, modelInput, hash, details };
}

/** `pixels` is the canvas the decoder works on (before EXIF orientation). */
type Header = { format: ImageFormat; width: number; height: number; pixels: number; details: PhotoDetails };

/** The header checks and the one decode that every later step works from (exported for bench/). */
export async function decodeImage(inputPath: string, limits: DecodeLimits): Promise<{ header: Header; base: Raw }> {
  const header = await readHeader(inputPath, limits);
  const admit = limits.admit ?? decodeNow;
  const base = await admit(header.pixels * DECODE_BYTES_PER_PIXEL[header.format], () => decodeSmall(inputPath, header, limits.maxPixels));
  return { header, base };
}

async function readHeader(inputPath: string, limits: DecodeLimits): Promise<Header> {
  let meta: Metadata;
  try {
    // Headers only: no pixels are decoded here, so the real limit is applied below, where it can name the size.
    meta = await sharp(inputPath, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw asRejection(err, { reason: 'not-an-image' });
  }
  const format = acceptedFormat(meta);
  const { width, height } = meta;
  const pixels = width * height;
  if (pixels > limits.maxPixels) throw new ImageRejected({ reason: 'too-many-pixels', width, height });
  const perByte = MAX_PIXELS_PER_BYTE[format];
  if (perByte !== undefined) {
    const bytes = limits.bytes ?? (await stat(inputPath)).size;
    if (pixels > bytes * perByte) throw new ImageRejected({ reason: 'canvas-beyond-data', width, height, bytes });
  }
  if (format === 'gif' && pixels > GIF_MAX_PIXELS) {
    throw new ImageRejected({ reason: 'too-many-pixels', width, height, gifLimit: GIF_MAX_PIXELS });
  }
  // A TIFF's tags are its own IFDs: read from the file itself (its size is already bounded by the upload limit).
  const details = format === 'tiff' ? await tiffDetails(inputPath) : readPhotoDetails(meta.exif);
  return { format, width: meta.autoOrient.width, height: meta.autoOrient.height, pixels, details };
}

/** What the camera recorded in a stored file, without decoding it (npm run reclassify fills older images with it). */
export async function readStoredDetails(inputPath: string, format: ImageFormat): Promise<PhotoDetails> {
  return format === 'tiff' ? tiffDetails(inputPath) : readPhotoDetails((await sharp(inputPath, { limitInputPixels: false }).metadata()).exif);
}

async function tiffDetails(inputPath: string): Promise<PhotoDetails> {
  const file = await readFile(inputPath);
  return readPhotoDetails(file, file.length);
}

function acceptedFormat(meta: Metadata): ImageFormat {
  const f: string = meta.format;
  if (f === 'heif') {
    if (meta.compression === 'av1') return 'avif';
    throw new ImageRejected({ reason: 'unsupported-format', format: meta.compression === 'hevc' ? 'heic' : 'heif' });
  }
  if (f === 'jpeg' || f === 'png' || f === 'webp' || f === 'gif' || f === 'tiff') return f;
  throw new ImageRejected({ reason: 'unsupported-format', format: f });
}

/** Decodes page 0 once, shrinking on load where the codec can (JPEG, WebP), into sRGB raw pixels. */
async function decodeSmall(inputPath: string, header: Header, maxPixels: number): Promise<Raw> {
  const { width, height } = header;
  const scale = Math.min(1, Math.max(BASE_LONG / Math.max(width, height), BASE_SHORT / Math.min(width, height)));
  try {
    return (await sharp(inputPath, { failOn: 'error', limitInputPixels: maxPixels, sequentialRead: true, pages: 1 })
      .autoOrient()
      .resize(Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)), { fit: 'fill' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true })) as Raw;
  } catch (err) {
    if (/pixel limit/i.test(String(err))) throw new ImageRejected({ reason: 'too-many-pixels', width, height });
    throw asRejection(err, { reason: 'damaged' });
  }
}

function fromRaw(base: Raw): Sharp {
  const { width, height, channels } = base.info;
  return sharp(base.data, { raw: { width, height, channels } });
}

/**
 * The peak of a 16×16×16 histogram over a 256 px copy, which peaks in the same bin as the full image (true
 * of every test photo), and the palette from the same copy. Counted here rather than by sharp's stats(),
 * which also works out entropy and sharpness: 13 ms per 256 px copy against about half a millisecond. A
 * fully transparent image is white.
 */
async function dominantColour(base: Raw): Promise<{ hex: string; palette: PaletteColour[] }> {
  const small = await colourCopy(base);
  const channels = small.info.channels === 4 ? 4 : 3;
  return { hex: dominantHex(small.data, channels) ?? WHITE_BIN, palette: paletteOf(small.data, channels) };
}

const colourCopy = async (base: Raw) => (await fromRaw(base)
  .resize(COLOUR_SIZE, COLOUR_SIZE, { fit: 'inside', withoutEnlargement: true })
  .raw()
  .toBuffer({ resolveWithObject: true })) as Raw;

/** The palette of a stored file (npm run reclassify fills older images with it). */
export async function readStoredPalette(inputPath: string, limits: DecodeLimits): Promise<PaletteColour[]> {
  const { base } = await decodeImage(inputPath, limits);
  return (await dominantColour(base)).palette;
}

/** The perceptual hash of a stored file (npm run reclassify fills older images with it). */
export async function readStoredHash(inputPath: string, limits: DecodeLimits): Promise<PerceptualHash | null> {
  return perceptualHash((await decodeImage(inputPath, limits)).base);
}

/**
 * Written by sharp straight to `thumbPath`, a scratch name in the incoming folder: the thumbnail gets its
 * real name only by the rename that stores the upload, and start-up empties that folder, so a crash
 * mid-write leaves nothing under a real name. (Writing from JS cost three more thread-pool jobs per image.)
 */
async function writeThumbnail(base: Raw, thumbPath: string): Promise<void> {
  // Built from raw pixels, so no EXIF or other metadata can reach the output.
  // Effort 2 makes files within a few per cent of the default's at half the CPU time.
  try {
    await fromRaw(base)
      .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80, effort: 2 })
      .toFile(thumbPath);
  } catch (err) {
    await rm(thumbPath, { force: true });
    throw err;
  }
}

function asRejection(err: unknown, rejection: Rejection): Error {
  if (err instanceof ImageRejected) return err;
  const text = String(err);
  // A missing input is our bug, not the sender's: let it surface as a server error.
  if (/Input file is missing/.test(text)) return err instanceof Error ? err : new Error(text);
  if (/unsupported image format|Input Buffer is empty/i.test(text)) return new ImageRejected({ reason: 'not-an-image' }, { cause: err });
  return new ImageRejected(rejection, { cause: err });
}
