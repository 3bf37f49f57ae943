import { normaliseTerm } from './terms.js';

/** Longer queries are cut here (documented in the README); a cut query still answers. */
export const MAX_QUERY_CHARS = 500;
export const MAX_TERMS = 50;

export type ParsedQuery = { terms: string[]; truncated: boolean };

/** "Red, , dog,red " -> ["red", "dog"]: comma-separated, trimmed, case-folded, empty and repeated terms dropped. */
export function parseQuery(raw: unknown): ParsedQuery {
  const text = typeof raw === 'string' ? raw : '';
  const cut = text.slice(0, MAX_QUERY_CHARS);
  const unique = [...new Set(cut.split(',').map(normaliseTerm).filter(Boolean))];
  return { terms: unique.slice(0, MAX_TERMS), truncated: cut.length < text.length || unique.length > MAX_TERMS };
}

const ID_PREFIX = /^[0-9a-f]{6}[0-9a-f-]{0,30}$/;

/** A term that could be the start of an image id (at least 6 characters of one). */
export const isIdPrefix = (term: string) => ID_PREFIX.test(term);

/** '#c0392b': a colour, found by nearness rather than as a stored term. */
export const isHexColour = (term: string) => /^#[0-9a-f]{6}$/.test(term);
