import { MetadataError } from './errors.js';

type Box = { type: string; start: number; body: number; end: number };

function* boxes(file: Buffer, from: number, to: number): Generator<Box> {
  for (let at = from; at + 8 <= to; ) {
    let size = file.readUInt32BE(at);
    let body = at + 8;
    if (size === 1) {
      size = Number(file.readBigUInt64BE(at + 8));
      body += 8;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < body - at || at + size > to) throw new MetadataError('an AVIF box runs past its container');
    yield { type: file.toString('latin1', at + 4, at + 8), start: at, body, end: at + size };
    at += size;
  }
}

const child = (file: Buffer, parent: Box, type: string, skip = 0) =>
  [...boxes(file, parent.body + skip, parent.end)].find((box) => box.type === type);

const readUInt = (file: Buffer, at: number, bytes: number) => (bytes === 0 ? 0 : Number(file.readUIntBE(at, bytes)));

/** Item ids of the metadata items: `Exif`, and `mime` items of XMP. */
function metadataItems(file: Buffer, iinf: Box): Set<number> {
  const ids = new Set<number>();
  const version = file[iinf.body];
  for (const infe of boxes(file, iinf.body + 4 + (version === 0 ? 2 : 4), iinf.end)) {
    if (infe.type !== 'infe') continue;
    const v = file[infe.body];
    if (v < 2) continue; // versions 0 and 1 (HEIF's first edition) carry no item type
    const idBytes = v === 2 ? 2 : 4;
    const id = readUInt(file, infe.body + 4, idBytes);
    const typeAt = infe.body + 4 + idBytes + 2;
    const type = file.toString('latin1', typeAt, typeAt + 4);
    const nameEnd = file.indexOf(0, typeAt + 4);
    const contentType = type === 'mime' && nameEnd !== -1 ? file.toString('latin1', nameEnd + 1, file.indexOf(0, nameEnd + 1)) : '';
    if (type === 'Exif' || contentType === 'application/rdf+xml') ids.add(id);
  }
  return ids;
}

/** The byte ranges (in the file) of the given items, from iloc; construction method 0 (file offsets) only. */
function itemExtents(file: Buffer, iloc: Box, ids: Set<number>): [number, number][] {
  const version = file[iloc.body];
  let at = iloc.body + 4;
  const offsetSize = file[at] >> 4;
  const lengthSize = file[at] & 15;
  const baseSize = file[at + 1] >> 4;
  const indexSize = version >= 1 ? file[at + 1] & 15 : 0;
  at += 2;
  const count = version < 2 ? file.readUInt16BE(at) : file.readUInt32BE(at);
  at += version < 2 ? 2 : 4;
  const ranges: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const id = version < 2 ? file.readUInt16BE(at) : file.readUInt32BE(at);
    at += version < 2 ? 2 : 4;
    let method = 0;
    if (version >= 1) {
      method = file.readUInt16BE(at) & 15;
      at += 2;
    }
    at += 2; // data reference index
    const base = readUInt(file, at, baseSize);
    at += baseSize;
    const extents = file.readUInt16BE(at);
    at += 2;
    for (let e = 0; e < extents; e++) {
      at += indexSize;
      const offset = readUInt(file, at, offsetSize);
      const length = readUInt(file, at + offsetSize, lengthSize);
      at += offsetSize + lengthSize;
      if (!ids.has(id)) continue;
      if (method !== 0) throw new MetadataError('an AVIF metadata item is not stored at a file offset');
      const start = base + offset;
      if (start + length > file.length) throw new MetadataError('an AVIF metadata item runs past the end');
      ranges.push([start, start + length]);
    }
  }
  return ranges;
}

/**
 * The AVIF with its EXIF and XMP items blanked where they lie: every offset in the file stays right, and the
 * image items are not touched. Both become spaces: XMP's own padding, and no EXIF header for a reader to find.
 * Orientation lives in AVIF's irot and imir properties, not in EXIF, so it is kept as it is.
 */
export function cleanAvif(original: Buffer): Buffer {
  const file = Buffer.from(original);
  const meta = [...boxes(file, 0, file.length)].find((box) => box.type === 'meta');
  if (!meta) throw new MetadataError('an AVIF without a meta box');
  const iinf = child(file, meta, 'iinf', 4);
  const iloc = child(file, meta, 'iloc', 4);
  if (!iinf || !iloc) return file; // no item list: no metadata items
  const ids = metadataItems(file, iinf);
  if (ids.size === 0) return file;
  for (const [start, end] of itemExtents(file, iloc, ids)) file.fill(0x20, start, end);
  return file;
}
