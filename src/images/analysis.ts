import { rm } from 'node:fs/promises';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { MODEL_INPUT_SIZE } from './classifier.js';
import { dominantHex } from './dominant-colour.js';
import { CROP_FRACTION, modelPixels } from './model-input.js';

/** The upload is not an image we accept; the message is meant for the person who sent it. */
export class ImageRejected extends Error {
  override name = 'ImageRejected';
}

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff';

export type Analysis = {
  format: ImageFormat;
  mime: string;
  width: number; // after EXIF orientation
  height: number;
  colourHex: string; // '#rrggbb', dominant colour
  modelInput: Uint8Array; // MODEL_INPUT_SIZE² × 3 RGB
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

export async function analyseImage(
  inputPath: string,
  thumbPath: string,
  limits: { maxPixels: number },
): Promise<Analysis> {
  const { header, base } = await decodeImage(inputPath, limits);
  const modelInput = modelPixels(base);
  // Both settle before either failure is reported: sharp may still be writing the thumbnail when the colour
  // fails, and the caller's clean-up must not run before that file exists.
  const [colour, thumbnail] = await Promise.allSettled([dominantColour(base), writeThumbnail(base, thumbPath)]);
  if (thumbnail.status === 'rejected') throw thumbnail.reason;
  if (colour.status === 'rejected') throw colour.reason;
  return { ...header, mime: MIME[header.format], colourHex: colour.value, modelInput };
}

type Header = { format: ImageFormat; width: number; height: number };

/** The header checks and the one decode that every later step works from (exported for bench/). */
export async function decodeImage(inputPath: string, limits: { maxPixels: number }): Promise<{ header: Header; base: Raw }> {
  const header = await readHeader(inputPath, limits.maxPixels);
  return { header, base: await decodeSmall(inputPath, header, limits.maxPixels) };
}

async function readHeader(inputPath: string, maxPixels: number): Promise<Header> {
  let meta: Metadata;
  try {
    // Headers only: no pixels are decoded here, so the real limit is applied below, where it can name the size.
    meta = await sharp(inputPath, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw asRejection(err, 'not an image');
  }
  const format = acceptedFormat(meta);
  if (meta.width * meta.height > maxPixels) {
    throw new ImageRejected(`image too big: ${meta.width} x ${meta.height} pixels`);
  }
  return { format, width: meta.autoOrient.width, height: meta.autoOrient.height };
}

function acceptedFormat(meta: Metadata): ImageFormat {
  const f: string = meta.format;
  if (f === 'heif') {
    if (meta.compression === 'av1') return 'avif';
    throw new ImageRejected(`unsupported format: ${meta.compression === 'hevc' ? 'heic' : 'heif'}`);
  }
  if (f === 'jpeg' || f === 'png' || f === 'webp' || f === 'gif' || f === 'tiff') return f;
  throw new ImageRejected(`unsupported format: ${f}`);
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
    if (/pixel limit/i.test(String(err))) throw new ImageRejected(`image too big: ${width} x ${height} pixels`);
    throw asRejection(err, 'not a valid image: the file is damaged or incomplete');
  }
}

function fromRaw(base: Raw): Sharp {
  const { width, height, channels } = base.info;
  return sharp(base.data, { raw: { width, height, channels } });
}

/**
 * The peak of a 16×16×16 histogram over a 256 px copy, which peaks in the same bin as the full image (true
 * of every test photo). Counted here rather than by sharp's stats(), which also works out entropy and
 * sharpness: 13 ms per 256 px copy against about half a millisecond. A fully transparent image is white.
 */
async function dominantColour(base: Raw): Promise<string> {
  const small = (await fromRaw(base)
    .resize(COLOUR_SIZE, COLOUR_SIZE, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true })) as Raw;
  return dominantHex(small.data, small.info.channels === 4 ? 4 : 3) ?? WHITE_BIN;
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

function asRejection(err: unknown, message: string): Error {
  if (err instanceof ImageRejected) return err;
  const text = String(err);
  // A missing input is our bug, not the sender's: let it surface as a server error.
  if (/Input file is missing/.test(text)) return err instanceof Error ? err : new Error(text);
  if (/unsupported image format|Input Buffer is empty/i.test(text)) return new ImageRejected('not an image', { cause: err });
  return new ImageRejected(message, { cause: err });
}
