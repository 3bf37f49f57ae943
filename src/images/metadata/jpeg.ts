import { MetadataError } from './errors.js';

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP14 = 0xee;
const ICC = Buffer.from('ICC_PROFILE\0', 'latin1');

/**
 * Segments a decoder needs or that change how the photo looks: tables, frame and scan headers, JFIF's
 * density, Adobe's colour transform and the ICC profile. Every other APPn (EXIF, XMP, IPTC, MPF with its
 * preview images, makers' notes) and comments go.
 */
function keeps(marker: number, body: Buffer): boolean {
  if (marker === 0xe0 || marker === APP14) return true;
  if (marker === APP2) return body.subarray(0, ICC.length).equals(ICC);
  return marker < 0xe0 || (marker > 0xef && marker !== 0xfe);
}

/**
 * The JPEG without its identifying metadata, the entropy-coded data untouched: the same pixels. `kept` (from
 * keptExif: the orientation, and the place if shared) becomes its one EXIF block; whatever follows the end of
 * the image (phones put more pictures there) goes.
 */
export function cleanJpeg(file: Buffer, kept: Buffer | undefined): Buffer {
  if (file[0] !== 0xff || file[1] !== SOI) throw new MetadataError('not a JPEG');
  const parts: Buffer[] = [file.subarray(0, 2)];
  if (kept) {
    const exif = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), kept]);
    const header = Buffer.from([0xff, APP1, 0, 0]);
    header.writeUInt16BE(exif.length + 2, 2);
    parts.push(header, exif);
  }
  let at = 2;
  while (at < file.length) {
    if (file[at] !== 0xff) throw new MetadataError(`no marker at byte ${at}`);
    const marker = file[at + 1];
    if (marker === 0xff) { // fill bytes before a marker
      at++;
      continue;
    }
    if (marker === EOI) {
      parts.push(file.subarray(at, at + 2));
      return Buffer.concat(parts);
    }
    if (marker === SOI || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) throw new MetadataError(`unexpected marker ${marker.toString(16)}`);
    if (at + 4 > file.length) break;
    const end = at + 2 + file.readUInt16BE(at + 2);
    if (end > file.length) break;
    if (keeps(marker, file.subarray(at + 4, end))) parts.push(file.subarray(at, end));
    at = end;
    if (marker === SOS) {
      const scanEnd = endOfScan(file, at);
      parts.push(file.subarray(at, scanEnd));
      at = scanEnd;
    }
  }
  throw new MetadataError('the JPEG ends before its end marker');
}

/** Where a scan's entropy-coded data ends: at the first marker that is not a stuffed 0xFF00 or a restart. */
function endOfScan(file: Buffer, from: number): number {
  for (let at = file.indexOf(0xff, from); at !== -1 && at + 1 < file.length; at = file.indexOf(0xff, at + 1)) {
    const next = file[at + 1];
    if (next !== 0 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return at;
  }
  return file.length;
}
