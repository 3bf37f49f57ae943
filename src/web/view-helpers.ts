import { labelText, percent } from '../images/present.js';

/** One tag of views/images/tags.ejs: a search link for `term`, with a colour swatch or a probability. */
type Tag = { kind: 'colour' | 'label'; term: string; text: string; swatch?: string; pct?: string };
type Tagged = { colourName: string; colourHex: string; labels: { name: string; probability: number }[] | null };

const colourTag = (image: Tagged, opts: { withHex?: boolean } = {}): Tag => ({
  kind: 'colour',
  term: image.colourName,
  text: opts.withHex ? `${image.colourName} ${image.colourHex}` : image.colourName,
  swatch: image.colourHex,
});

/**
 * A search query as it goes in a link: spaces as "+" and commas as they are ("golden+retriever,+red"), as the
 * query parser reads them. Shorter than %20 and %2C%20, and a card repeats its terms in up to eight links.
 */
const queryParam = (text: string) => {
  const encoded = encodeURIComponent(text);
  // Most terms (one word, an id, a user name) have neither: skip the two passes over them.
  return encoded.includes('%2') ? encoded.replace(/%20/g, '+').replace(/%2C/g, ',') : encoded;
};

/** Small formatting functions the templates share (app.locals). */
export const viewHelpers = {
  labelText,
  percent,
  colourTag,
  /** A card's tags: its colour, then its labels, most probable first. */
  cardTags: (image: Tagged): Tag[] => [
    colourTag(image),
    ...(image.labels ?? []).map((label): Tag => ({ kind: 'label', term: labelText(label.name), text: labelText(label.name), pct: percent(label.probability) })),
  ],
  searchHref: (term: string) => `/search?q=${queryParam(term)}`,
  /** The link of a tag's "+": the current query with one more comma term. */
  addTermHref: (query: string, term: string) => `/search?q=${queryParam(query.trim() ? `${query.trim()}, ${term}` : term)}`,
  formatDate: (ms: number) => new Date(ms).toISOString().slice(0, 10),
  formatBytes: (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`),
  formatCount: (n: number) => n.toLocaleString('en-US'),
  altText: (image: { labels: { name: string }[] | null; colourName: string }) =>
    image.labels?.length
      ? `Photo of ${image.labels.map((l) => labelText(l.name)).join(', ')}, mostly ${image.colourName}`
      : `Photo, mostly ${image.colourName} (not classified yet)`,
};
