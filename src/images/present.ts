import type { ExifDetails, ImageRecord } from './images-repo.js';

/** Where a photo was taken, and a link that opens it in OpenStreetMap. */
export type PhotoPlace = { latitude: number; longitude: number; openStreetMap: string };
/** What the owner sees of the camera's record: the place as coordinates and a map link. */
export type OwnersDetails = Omit<ExifDetails, 'latitude' | 'longitude'> & { place: PhotoPlace | null };

/**
 * The one place that says who sees what of the camera's record. The owner sees all of it (null: not read yet,
 * an image stored before it was); anyone else nothing (undefined), but the place when the owner shares locations.
 */
export function detailsFor(image: ImageRecord, viewerId: number): OwnersDetails | { place: PhotoPlace } | null | undefined {
  if (image.ownerId === viewerId) {
    if (!image.exif) return null;
    const { latitude: _, longitude: __, ...rest } = image.exif;
    return { ...rest, place: placeOf(image.exif) };
  }
  const place = image.ownerSharesLocation && image.exif ? placeOf(image.exif) : null;
  return place ? { place } : undefined;
}

function placeOf({ latitude, longitude }: Pick<ExifDetails, 'latitude' | 'longitude'>): PhotoPlace | null {
  if (latitude === null || longitude === null) return null;
  return { latitude, longitude, openStreetMap: `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=16/${latitude}/${longitude}` };
}

type Taken = Pick<ImageRecord, 'takenAt' | 'takenOffset'>;

/**
 * When it was taken, as `viewerId` may see it. The offset from UTC names a time zone, which is a place of
 * sorts: anyone but the owner gets it only when the owner shares places.
 */
export const takenFor = (image: ImageRecord, viewerId: number): Taken =>
  image.ownerId === viewerId || image.ownerSharesLocation ? image : { takenAt: image.takenAt, takenOffset: null };

/** '2021-07-04T18:30:05-04:00', or without an offset when there is none to show; null when the camera gave no date. */
export const takenAtText = (taken: Taken) => (taken.takenAt ? `${taken.takenAt}${taken.takenOffset ?? ''}` : null);

/** The IMAGE shape of the JSON answers (the contract scripts rely on), as `viewerId` may see it. */
export function imageJson(image: ImageRecord, viewerId: number) {
  const details = detailsFor(image, viewerId);
  return {
    id: image.id,
    owner: image.owner,
    visibility: image.visibility,
    colour: { name: image.colourName, hex: image.colourHex },
    palette: image.palette,
    labels: image.labels ?? [],
    classified: image.labels !== null,
    // When each was added is the owner's to see, as the rest of what they corrected.
    tags: image.corrections.tags.map((tag) => (image.ownerId === viewerId ? { name: tag.name, addedAt: new Date(tag.at).toISOString() } : { name: tag.name })),
    ...(image.ownerId === viewerId ? { corrections: ownersCorrections(image) } : {}),
    width: image.width,
    height: image.height,
    originalName: image.originalName,
    createdAt: new Date(image.createdAt).toISOString(),
    takenAt: takenAtText(takenFor(image, viewerId)),
    ...(details === undefined ? {} : { details }),
  };
}

/**
 * What the owner changed, theirs alone to see: the labels they removed, and the measured colour their own name
 * replaces, each with when.
 */
const ownersCorrections = ({ corrections, measuredColourName }: ImageRecord) => ({
  removedLabels: corrections.removed.map((r) => ({ name: r.name, removedAt: new Date(r.at).toISOString() })),
  colour: corrections.colour ? { name: corrections.colour.name, measured: measuredColourName, setAt: new Date(corrections.colour.at).toISOString() } : null,
});

/** A label's text on a tag: the first of its synonyms ("tabby" for "tabby, tabby cat"). */
export const labelText = (name: string) => name.split(',')[0].trim();

/** "87%"; a tiny probability reads "<1%" rather than a misleading "0%". */
export const percent = (probability: number) => (probability < 0.005 ? '<1%' : `${Math.round(probability * 100)}%`);
