import { classByName } from '../imagenet/classes.js';

/**
 * Terms are compared trimmed, lower-cased and with inner runs of space folded. Control characters go: no
 * term holds one, and PostgreSQL refuses a NUL in any text it is sent.
 */
export function normaliseTerm(raw: string): string {
  return raw.normalize('NFKC').replace(/[\u0000-\u001f\u007f]/g, ' ').trim().replace(/\s+/g, ' ').toLowerCase();
}

export type Searchable = { id: string; owner: string; colourName: string; colourHex: string; labels: readonly string[] };

/**
 * Every phrase that finds an image: colour name and hex, each label's synonyms and its
 * more general WordNet terms ("dog" for a whippet), the uploader and the id.
 */
export function searchTermsFor(image: Searchable): string[] {
  const terms = new Set([image.colourName, image.colourHex, image.owner, image.id].map(normaliseTerm));
  for (const label of image.labels) {
    const known = classByName(label);
    for (const term of known ? [...known.synonyms, ...known.terms] : [label]) terms.add(normaliseTerm(term));
  }
  return [...terms];
}
