/**
 * The smallest EXIF block that still says how to turn the photo: a big-endian TIFF header and one IFD with
 * only the Orientation tag. Everything else the camera wrote (GPS, serial numbers, names, the embedded
 * thumbnail) is left out.
 */
export function orientationOnlyExif(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('MM\0*', 0, 'latin1');
  tiff.writeUInt32BE(8, 4); // IFD0 right after the header
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14); // one value
  tiff.writeUInt16BE(orientation, 18); // the value, left-justified in its 4 bytes
  tiff.writeUInt32BE(0, 22); // no next IFD
  return tiff;
}

/** 1 (as stored) needs no EXIF at all; 2-8 are the other turns and mirrors. */
export const needsOrientation = (orientation: number | undefined): orientation is number =>
  orientation !== undefined && orientation >= 2 && orientation <= 8;
