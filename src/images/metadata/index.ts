import sharp from 'sharp';
import type { ImageFormat } from '../analysis.js';
import { cleanAvif } from './avif.js';
import { cleanGif } from './gif.js';
import { cleanJpeg } from './jpeg.js';
import { cleanPng } from './png.js';
import { cleanWebp } from './webp.js';

import { MetadataError } from './errors.js';
import { keptExif, type KeptTags } from './exif.js';

export { MetadataError };

/** The formats whose copies can keep a place: their containers take the EXIF that keptExif writes. */
export const KEEPS_PLACE: ReadonlySet<ImageFormat> = new Set(['jpeg', 'png', 'webp']);

/**
 * The photo as others may see it: no location, serial numbers, names, editing history or embedded previews,
 * with the same pixels, orientation and colour profile. Every format but TIFF is rewritten at the level of its
 * containers, the compressed image data copied as it is; a TIFF's metadata is its structure, so it is written
 * anew by libvips, losslessly (deflate) and with the ICC profile and orientation only.
 * With `place` (the owner keeps locations in their public photos) a JPEG, PNG or WebP keeps where it was taken;
 * the other formats do not (their copies are made without EXIF).
 */
export async function withoutIdentifyingMetadata(file: Buffer, format: ImageFormat, place?: KeptTags['place']): Promise<Buffer> {
  try {
    return await rewritten(file, format, place);
  } catch (err) {
    if (!(err instanceof MetadataError)) throw err;
    return reencoded(file, format); // a file sharp decodes but whose containers we cannot follow
  }
}

async function rewritten(file: Buffer, format: ImageFormat, place: KeptTags['place']): Promise<Buffer> {
  const { orientation } = format === 'jpeg' || format === 'png' || format === 'webp' ? await sharp(file).metadata() : { orientation: undefined };
  const kept = keptExif({ orientation, place });
  switch (format) {
    case 'jpeg': return cleanJpeg(file, kept);
    case 'png': return cleanPng(file, kept);
    case 'webp': return cleanWebp(file, kept);
    case 'gif': return cleanGif(file);
    case 'avif': return cleanAvif(file);
    case 'tiff': return reencoded(file, format);
    default: throw new MetadataError(`no cleaner for ${format satisfies never}`);
  }
}

/**
 * Decoded and written anew with only the colour profile and the orientation: a TIFF always (deflate, lossless),
 * any other format only when its containers cannot be followed (a lossy one then loses a little).
 */
async function reencoded(file: Buffer, format: ImageFormat): Promise<Buffer> {
  const image = sharp(file, { limitInputPixels: false, animated: format !== 'tiff' });
  const { orientation } = await image.metadata();
  const clean = image.keepIccProfile().withExif(orientation && orientation > 1 ? { IFD0: { Orientation: String(orientation) } } : {});
  return (format === 'tiff' ? clean.tiff({ compression: 'deflate' }) : clean.toFormat(format, { quality: 95 })).toBuffer();
}
