import { MetadataError } from './errors.js';

const EXIF_FLAG = 0x08;
const XMP_FLAG = 0x04;

function chunk(fourcc: string, data: Buffer): Buffer {
  const out = Buffer.alloc(8 + data.length + (data.length & 1));
  out.write(fourcc, 0, 'latin1');
  out.writeUInt32LE(data.length, 4);
  data.copy(out, 8);
  return out;
}

/**
 * The WebP without its EXIF and XMP chunks (`kept`, from keptExif, as its EXIF chunk), VP8X's flags and RIFF's
 * size made to match; image, alpha, animation and ICC chunks copied as they are.
 */
export function cleanWebp(file: Buffer, kept: Buffer | undefined): Buffer {
  if (file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'WEBP') throw new MetadataError('not a WebP');
  const end = Math.min(file.length, 8 + file.readUInt32LE(4));
  const chunks: Buffer[] = [];
  let vp8x: Buffer | undefined;
  for (let at = 12; at + 8 <= end; ) {
    const size = file.readUInt32LE(at + 4);
    const next = at + 8 + size + (size & 1);
    if (at + 8 + size > end) throw new MetadataError('a WebP chunk runs past the end');
    const fourcc = file.toString('latin1', at, at + 4);
    if (fourcc === 'VP8X') {
      vp8x = Buffer.from(file.subarray(at, at + 8 + size)); // a copy: its flags change
      chunks.push(vp8x);
    } else if (fourcc !== 'EXIF' && fourcc !== 'XMP ') {
      chunks.push(file.subarray(at, Math.min(next, end)));
    }
    at = next;
  }
  // Only the extended format (VP8X) can hold metadata: a simple WebP had none to take out.
  if (vp8x) {
    vp8x[8] &= ~(EXIF_FLAG | XMP_FLAG);
    if (kept) {
      vp8x[8] |= EXIF_FLAG;
      chunks.push(chunk('EXIF', kept)); // the spec puts EXIF after the image data
    }
  }
  const body = Buffer.concat(chunks);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(4 + body.length, 4);
  header.write('WEBP', 8, 'latin1');
  return Buffer.concat([header, body]);
}
