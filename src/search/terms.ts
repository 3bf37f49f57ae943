import { classByName } from '../imagenet/classes.js';

/**
 * Terms are compared trimmed, lower-cased and with inner runs of space folded. Control characters go: no
 * term holds one, and PostgreSQL refuses a NUL in any text it is sent.
 */
export function normaliseTerm(raw: string): string {
  return raw.normalize('NFKC').replace(/[\u0000-\u001f\u007f]/g, ' ').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * How strongly a term holds for an image, as stored with its row: the fraction (a label's probability, a
 * colour's share, 1 for the uploader and the id) in whole millionths, so sums are exact and a ranked page's
 * cursor compares exactly in SQL; plus SURE_POINT when the match is sure (SURE or more). SURE_POINT is over
 * a hundred times any fraction, so a sum orders images by how many of the query's terms they surely match
 * first, then by how surely: an image that every term surely matches comes before any that misses one
 * ("green, Boston bull" puts the green Boston bull first, not a greener frog), which also lets a search read
 * only those images while they fill the page (search-repo.ts). A very weak guess (a 0.3% "ostrich" on a
 * zebra) still matches, but counts only its fraction.
 */
export const FULL_STRENGTH = 1_000_000;
export const SURE = 0.05;
export const SURE_POINT = 100 * FULL_STRENGTH;
/** The most one term's row can hold: a sure match in full. */
export const MAX_STRENGTH = SURE_POINT + FULL_STRENGTH;
export const strengthOf = (fraction: number) => {
  const millionths = Math.max(1, Math.min(FULL_STRENGTH, Math.round(fraction * FULL_STRENGTH)));
  return millionths >= SURE * FULL_STRENGTH ? millionths + SURE_POINT : millionths;
};
/** The fraction a stored strength stands for (without the point for a sure match). */
export const fractionOf = (strength: number) => (strength >= SURE_POINT ? strength - SURE_POINT : strength) / FULL_STRENGTH;

/** A colour of the image ('#rrggbb', a histogram bin's centre), its name and the share of the image it covers. */
export type SearchableColour = { name: string; hex: string; share: number };

export type Searchable = {
  id: string;
  owner: string;
  colours: readonly SearchableColour[];
  labels: readonly { name: string; probability: number }[];
  /** The owner's own tags. */
  tags: readonly string[];
};

/**
 * Every phrase that finds an image, with how strongly: each label's synonyms and its more general WordNet
 * terms ("dog" for a whippet) at the label's probability, summed when two labels reach one term (two dog
 * breeds); each colour's name and hex at the share it covers; the owner's tags, the uploader and the id in
 * full.
 */
export function searchTermsFor(image: Searchable): Map<string, number> {
  const terms = new Map<string, number>();
  const add = (term: string, fraction: number) => {
    const key = normaliseTerm(term);
    terms.set(key, (terms.get(key) ?? 0) + fraction);
  };
  for (const label of image.labels) {
    const known = classByName(label.name);
    for (const term of new Set(known ? [...known.synonyms, ...known.terms] : [label.name])) add(term, label.probability);
  }
  for (const colour of image.colours) {
    add(colour.name, colour.share);
    add(colour.hex, colour.share);
  }
  for (const tag of image.tags) add(tag, 1);
  add(image.owner, 1);
  add(image.id, 1);
  return new Map([...terms].map(([term, fraction]) => [term, strengthOf(fraction)]));
}
