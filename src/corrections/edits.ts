// What an owner may change of an image's tags, labels and colour name, as plain functions from one set of
// corrections to the next: each checks its input and says in words what is wrong.
import { badRequest } from '../errors.js';
import { PALETTE } from '../images/colour.js';
import type { Corrections, Made, Named } from '../images/corrections.js';
import type { ImageRecord } from '../images/images-repo.js';
import { isHexColour } from '../search/query.js';
import { normaliseTerm } from '../search/terms.js';

export const TAG_MAX_LENGTH = 40;
export const MAX_TAGS = 20;

/** The names a colour tag can have: the ones the app gives measured colours, so a search finds both alike. */
export const COLOUR_NAMES: readonly string[] = [...new Set(PALETTE.map((c) => c.name))];

/** A tag as search reads it (trimmed, lower case, spaces folded), 1 to 40 characters, no comma. */
export function parseTag(raw: unknown): string {
  const tag = typeof raw === 'string' ? normaliseTerm(raw) : '';
  if (tag === '') throw badRequest('Type a tag.');
  // Invisible characters (zero-width, direction marks) would make a tag that looks like another, or like none.
  if (/[\p{Cc}\p{Cf}\p{Cs}]/u.test(tag)) throw badRequest('A tag cannot hold invisible characters.');
  if ([...tag].length > TAG_MAX_LENGTH) throw badRequest(`A tag is at most ${TAG_MAX_LENGTH} characters.`);
  // The search box splits on commas: a tag that holds one could never be searched for.
  if (tag.includes(',')) throw badRequest('A tag cannot hold a comma: the search box reads a comma as the end of a term.');
  // A search reads "#rrggbb" as a colour, never as a stored word: such a tag could never be found.
  if (isHexColour(tag)) throw badRequest('A tag cannot be a colour code (#rrggbb): rename the colour instead.');
  return tag;
}

/** One of the colour names, or null (empty): back to the measured colour. */
export function parseColourName(raw: unknown): string | null {
  if (raw === '') return null;
  if (typeof raw === 'string' && COLOUR_NAMES.includes(raw)) return raw;
  throw badRequest(`Choose a colour: ${COLOUR_NAMES.join(', ')}.`);
}

export function parseLabelName(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '' || raw.length > 200) throw badRequest('Name the label.');
  return raw;
}

export type Edit = (image: ImageRecord, made: Made) => Corrections;

/** Adds the tag unless the image has it; an image with MAX_TAGS already refuses it. */
export const addTag = (tag: string): Edit => ({ corrections: c }, made) => {
  if (c.tags.some((t) => t.name === tag)) return c;
  if (c.tags.length >= MAX_TAGS) throw badRequest(`An image has at most ${MAX_TAGS} tags: remove one first.`);
  return { ...c, tags: [...c.tags, { name: tag, ...made }] };
};

/** A tag the image does not have is already gone: removing it again changes nothing. */
export const removeTag = (tag: string): Edit => ({ corrections: c }) => (c.tags.some((t) => t.name === tag) ? { ...c, tags: c.tags.filter((t) => t.name !== tag) } : c);

/** Removes one of the model's labels from the image (and from search, with its more general words). */
export const removeLabel = (name: string): Edit => ({ labels, corrections: c }, made) => {
  if (c.removed.some((r) => r.name === name)) return c;
  if (!labels?.some((label) => label.name === name)) throw badRequest('That is not one of this image\'s labels.');
  return { ...c, removed: [...c.removed, { name, ...made }] };
};

export const putBackLabel = (name: string): Edit => ({ corrections: c }) => (c.removed.some((r) => r.name === name) ? { ...c, removed: c.removed.filter((r) => r.name !== name) } : c);

/** The owner's name for the colour, or (null, or the measured name itself) the measured colour again. */
export const setColour = (name: string | null): Edit => ({ measuredColourName, corrections: c }, made) => {
  const colour: Named | null = name === null || name === measuredColourName ? null : { name, ...made };
  return colour?.name === c.colour?.name ? c : { ...c, colour };
};
