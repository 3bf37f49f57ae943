// Files that declare far more pixels than their bytes can hold, built byte by byte: what sharp would never write.
import zlib from 'node:zlib';

type Rect = { left?: number; top?: number; width: number; height: number };

/**
 * A GIF with a `screen` logical screen and one frame `frame`, whose image data is one 2-byte LZW sub-block:
 * 35 bytes, however large the screen and the frame say they are.
 */
export function gifBomb(screen: { width: number; height: number }, frame: Rect = { ...screen }): Buffer {
  const u16 = (n: number) => [n & 0xff, n >> 8];
  return Buffer.from([
    ...Buffer.from('GIF89a'),
    ...u16(screen.width), ...u16(screen.height), 0x80, 0, 0, // a global colour table of 2 entries
    0, 0, 0, 255, 255, 255,
    0x2c, ...u16(frame.left ?? 0), ...u16(frame.top ?? 0), ...u16(frame.width), ...u16(frame.height), 0,
    2, 2, 0x44, 0x01, 0, // LZW minimum code size 2, one sub-block of 2 bytes, block terminator
    0x3b,
  ]);
}

/** A PNG of width × height at `depth` bits (grey when 1, else RGB) whose data holds only its first `rows` rows (all zeros). */
export function pngWithRows(width: number, height: number, rows: number, depth: 1 | 8 = 8): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([depth, depth === 1 ? 0 : 2, 0, 0, 0], 8);
  const rowBytes = 1 + Math.ceil((width * (depth === 1 ? 1 : 3 * depth)) / 8);
  const idat = zlib.deflateSync(Buffer.alloc(rowBytes * rows), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}
