import { crc32 } from 'node:zlib';
import { MetadataError } from './errors.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Chunks that make the picture: the image and its palette and transparency, colour (gamma, chromaticities,
 * sRGB, ICC, cICP and HDR levels), significant bits, background, pixel density, and APNG's frames. Text
 * chunks (where XMP and camera names live), eXIf, tIME and anything unknown go.
 */
const KEPT = new Set([
  'IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'bKGD', 'pHYs', 'hIST', 'sPLT',
  'cICP', 'mDCV', 'cLLI', 'acTL', 'fcTL', 'fdAT',
]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The PNG without its text, EXIF and time chunks (`kept`, from keptExif, as its eXIf); pixel chunks copied as they are. */
export function cleanPng(file: Buffer, kept: Buffer | undefined): Buffer {
  if (!file.subarray(0, 8).equals(SIGNATURE)) throw new MetadataError('not a PNG');
  const parts: Buffer[] = [SIGNATURE];
  let written = !kept;
  for (let at = 8; at + 12 <= file.length; ) {
    const end = at + 12 + file.readUInt32BE(at);
    if (end > file.length) break;
    const type = file.toString('latin1', at + 4, at + 8);
    // The kept EXIF goes where a decoder looks for eXIf: before the first image data.
    if (type === 'IDAT' && !written) {
      parts.push(chunk('eXIf', kept!));
      written = true;
    }
    if (KEPT.has(type)) parts.push(file.subarray(at, end));
    if (type === 'IEND') return Buffer.concat(parts);
    at = end;
  }
  throw new MetadataError('the PNG ends before its IEND chunk');
}
