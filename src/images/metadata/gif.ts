import { MetadataError } from './errors.js';

const EXTENSION = 0x21;
const IMAGE = 0x2c;
const TRAILER = 0x3b;
const APPLICATION = 0xff;
const COMMENT = 0xfe;
/** Application extensions that change how the GIF plays or looks: looping, and an ICC profile. */
const KEPT_APPLICATIONS = ['NETSCAPE2.0', 'ANIMEXTS1.0', 'ICCRGBG1012'];

/** Past a run of data sub-blocks (each a length byte and that many bytes, ended by a zero length). */
function skipSubBlocks(file: Buffer, at: number): number {
  while (at < file.length && file[at] !== 0) at += 1 + file[at];
  if (at >= file.length) throw new MetadataError('a GIF block runs past the end');
  return at + 1;
}

/** The GIF without comments and application blocks (XMP among them) other than looping and ICC; frames as they are. */
export function cleanGif(file: Buffer): Buffer {
  const signature = file.toString('latin1', 0, 6);
  if (signature !== 'GIF87a' && signature !== 'GIF89a') throw new MetadataError('not a GIF');
  const packed = file[10];
  let at = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  const parts: Buffer[] = [file.subarray(0, at)];
  while (at < file.length) {
    const start = at;
    if (file[at] === TRAILER) {
      parts.push(file.subarray(at, at + 1));
      return Buffer.concat(parts);
    }
    if (file[at] === IMAGE) {
      const local = file[at + 9];
      at += 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0) + 1; // descriptor, local colours, LZW code size
      at = skipSubBlocks(file, at);
      parts.push(file.subarray(start, at));
    } else if (file[at] === EXTENSION) {
      const label = file[at + 1];
      at = skipSubBlocks(file, at + 2);
      const application = label === APPLICATION && file.toString('latin1', start + 3, start + 3 + file[start + 2]);
      if (label !== COMMENT && (label !== APPLICATION || KEPT_APPLICATIONS.includes(application as string))) parts.push(file.subarray(start, at));
    } else {
      throw new MetadataError(`unknown GIF block ${file[at].toString(16)} at byte ${at}`);
    }
  }
  throw new MetadataError('the GIF ends before its trailer');
}
