import readExif from 'exif-reader';

/** What the camera recorded, for the owner's eyes: each field null when it is missing or not believable. */
export type PhotoDetails = {
  /** '2019-08-26T12:45:35': the camera's clock, in the time zone it was set to. */
  takenAt: string | null;
  /** '+09:00', when the camera recorded its offset from UTC. */
  takenOffset: string | null;
  make: string | null;
  model: string | null;
  lens: string | null;
  /** Seconds. */
  exposureTime: number | null;
  fNumber: number | null;
  iso: number | null;
  /** Millimetres. */
  focalLength: number | null;
  latitude: number | null;
  longitude: number | null;
};

export const NO_DETAILS: PhotoDetails = {
  takenAt: null, takenOffset: null, make: null, model: null, lens: null,
  exposureTime: null, fNumber: null, iso: null, focalLength: null, latitude: null, longitude: null,
};

/**
 * A JPEG's EXIF is at most 64 KB; other containers allow any size. Past this the block is not read at all, so
 * a file made of metadata costs no more than a photo.
 */
export const MAX_EXIF_BYTES = 256 * 1024;
const MAX_TEXT = 100;

/**
 * The details in a raw EXIF block (as sharp's metadata() gives it), or in a whole TIFF file (whose own
 * structure is EXIF's, so sharp gives no block): pass its size as `maxBytes`. Never throws: a broken block gives none.
 */
export function readPhotoDetails(exif: Buffer | undefined, maxBytes = MAX_EXIF_BYTES): PhotoDetails {
  if (!exif || exif.length > maxBytes) return NO_DETAILS;
  let tags: ReturnType<typeof readExif>;
  try {
    tags = readExif(exif);
  } catch {
    return NO_DETAILS;
  }
  const image = tags.Image ?? {};
  const photo = tags.Photo ?? {};
  // Each date with its own offset: OffsetTime belongs to DateTime, the time of the last edit.
  const original = wallClock(photo.DateTimeOriginal);
  const takenAt = original ?? wallClock(photo.DateTimeDigitized);
  const place = gpsPlace(tags.GPSInfo ?? {});
  return {
    takenAt,
    takenOffset: takenAt ? utcOffset(original ? photo.OffsetTimeOriginal : photo.OffsetTimeDigitized) : null,
    make: text(image.Make),
    model: text(image.Model),
    lens: text(photo.LensModel),
    exposureTime: within(photo.ExposureTime, 1e-6, 3600),
    fNumber: within(photo.FNumber, 0.5, 256),
    iso: within(first(photo.ISOSpeedRatings), 1, 10_000_000),
    focalLength: within(photo.FocalLength, 0.1, 10_000),
    ...place,
  };
}

/**
 * exif-reader reads "YYYY:MM:DD HH:MM:SS" as if it were UTC, which keeps the camera's wall clock intact. Its
 * Date.UTC makes years 0-99 into 1900-1999, so the "0000:00:00 00:00:00" of a camera whose clock was never
 * set arrives as 30 November 1899: nothing before 1900 is believed.
 */
function wallClock(value: unknown): string | null {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) return null;
  const year = value.getUTCFullYear();
  if (year < 1900 || year > 2200) return null;
  return value.toISOString().slice(0, 19);
}

function utcOffset(value: unknown): string | null {
  return typeof value === 'string' && /^[+-](0\d|1[0-4]):[0-5]\d$/.test(value.trim()) ? value.trim() : null;
}

/** Printable text only: a camera's strings are often padded with NULs or spaces, and some are not ASCII. */
function text(value: unknown): string | null {
  const raw = Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : undefined;
  const clean = raw?.replace(/[\u0000-\u001f\u007f\ufffd]/g, '').trim().slice(0, MAX_TEXT);
  return clean ? clean : null;
}

const first = (value: unknown) => (Array.isArray(value) ? value[0] : value);

function within(value: unknown, min: number, max: number): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : null;
}

function gpsPlace(gps: Record<string, unknown>): Pick<PhotoDetails, 'latitude' | 'longitude'> {
  const latitude = degrees(gps.GPSLatitude, gps.GPSLatitudeRef, 'S', 90);
  const longitude = degrees(gps.GPSLongitude, gps.GPSLongitudeRef, 'W', 180);
  return latitude === null || longitude === null ? { latitude: null, longitude: null } : { latitude, longitude };
}

/** Degrees, minutes and seconds (three rationals) and the hemisphere letter, as signed decimal degrees. */
function degrees(dms: unknown, ref: unknown, negative: string, limit: number): number | null {
  if (!Array.isArray(dms) || dms.length !== 3 || !dms.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) return null;
  const value = dms[0] + dms[1] / 60 + dms[2] / 3600;
  if (value > limit) return null;
  const sign = typeof ref === 'string' && ref.trim().toUpperCase() === negative ? -1 : 1;
  return Math.round(sign * value * 1e6) / 1e6;
}

/**
 * Where the photo sits in time, in ms, for sorting: the camera's clock read as UTC (the time where it was
 * taken, as people remember it, and what the month headings show, so a list never goes back to a month it
 * left), or the upload time when the camera gave no date.
 */
export const shotAt = (takenAt: string | null, uploadedAt: number): number => (takenAt ? Date.parse(`${takenAt}Z`) : uploadedAt);
