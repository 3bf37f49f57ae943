/** What of the camera's EXIF a copy for others keeps: how to turn the photo, and the place if the owner shares it. */
export type KeptTags = { orientation?: number; place?: { latitude: number; longitude: number } };

type Entry = { tag: number; type: number; count: number; value: Buffer };
const BYTE = 1;
const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;
const GPS_IFD = 0x8825;

/**
 * The smallest EXIF block (a big-endian TIFF header and its IFDs) that still says how to turn the photo and,
 * when asked, where it was taken; undefined when there is nothing to say. Everything else the camera wrote
 * (serial numbers, names, the embedded thumbnail, the rest of the GPS record) is left out.
 */
export function keptExif({ orientation, place }: KeptTags): Buffer | undefined {
  const ifd0: Entry[] = [];
  if (needsOrientation(orientation)) ifd0.push({ tag: 0x0112, type: SHORT, count: 1, value: u16(orientation) });
  if (place) ifd0.push({ tag: GPS_IFD, type: LONG, count: 1, value: Buffer.alloc(4) }); // the offset, filled in below
  if (ifd0.length === 0) return undefined;
  const gps: Entry[] = place
    ? [
        { tag: 0x0000, type: BYTE, count: 4, value: Buffer.from([2, 3, 0, 0]) }, // GPSVersionID 2.3
        { tag: 0x0001, type: ASCII, count: 2, value: Buffer.from(place.latitude < 0 ? 'S\0' : 'N\0', 'latin1') },
        { tag: 0x0002, type: RATIONAL, count: 3, value: dms(place.latitude) },
        { tag: 0x0003, type: ASCII, count: 2, value: Buffer.from(place.longitude < 0 ? 'W\0' : 'E\0', 'latin1') },
        { tag: 0x0004, type: RATIONAL, count: 3, value: dms(place.longitude) },
      ]
    : [];
  const ifdBytes = (entries: Entry[]) => 2 + entries.length * 12 + 4;
  const gpsAt = 8 + ifdBytes(ifd0);
  if (place) ifd0[ifd0.length - 1].value = u32(gpsAt);
  const dataAt = gpsAt + (place ? ifdBytes(gps) : 0);
  const data: Buffer[] = [];
  let next = dataAt;
  const ifd = (entries: Entry[]) => {
    const out = Buffer.alloc(ifdBytes(entries));
    out.writeUInt16BE(entries.length, 0);
    entries.forEach((e, i) => {
      const at = 2 + i * 12;
      out.writeUInt16BE(e.tag, at);
      out.writeUInt16BE(e.type, at + 2);
      out.writeUInt32BE(e.count, at + 4);
      if (e.value.length <= 4) e.value.copy(out, at + 8); // left-justified in the entry
      else {
        out.writeUInt32BE(next, at + 8);
        data.push(e.value);
        next += e.value.length;
      }
    });
    return out; // the next-IFD offset stays 0: no IFD1, so no thumbnail
  };
  const header = Buffer.from('MM\0*\0\0\0\x08', 'latin1');
  return Buffer.concat([header, ifd(ifd0), ...(place ? [ifd(gps)] : []), ...data]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Degrees, minutes and seconds as three rationals; seconds to 1/10,000 (about 3 mm). */
function dms(decimal: number): Buffer {
  const abs = Math.abs(decimal);
  const degrees = Math.floor(abs);
  const minutes = Math.floor((abs - degrees) * 60);
  const seconds = Math.round(((abs - degrees) * 60 - minutes) * 60 * 10_000);
  const out = Buffer.alloc(24);
  [[degrees, 1], [minutes, 1], [seconds, 10_000]].forEach(([n, d], i) => {
    out.writeUInt32BE(n, i * 8);
    out.writeUInt32BE(d, i * 8 + 4);
  });
  return out;
}

/** 1 (as stored) needs no EXIF at all; 2-8 are the other turns and mirrors. */
const needsOrientation = (orientation: number | undefined): orientation is number =>
  orientation !== undefined && orientation >= 2 && orientation <= 8;
