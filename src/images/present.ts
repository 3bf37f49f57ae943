import type { ImageRecord } from './images-repo.js';

/** The IMAGE shape of the JSON answers (the contract scripts rely on). */
export function imageJson(image: ImageRecord) {
  return {
    id: image.id,
    owner: image.owner,
    visibility: image.visibility,
    colour: { name: image.colourName, hex: image.colourHex },
    labels: image.labels ?? [],
    classified: image.labels !== null,
    width: image.width,
    height: image.height,
    originalName: image.originalName,
    createdAt: new Date(image.createdAt).toISOString(),
  };
}

/** A label's text on a tag: the first of its synonyms ("tabby" for "tabby, tabby cat"). */
export const labelText = (name: string) => name.split(',')[0].trim();

/** "87%"; a tiny probability reads "<1%" rather than a misleading "0%". */
export const percent = (probability: number) => (probability < 0.005 ? '<1%' : `${Math.round(probability * 100)}%`);
