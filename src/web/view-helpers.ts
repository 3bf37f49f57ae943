import type { ExifDetails, ImageRecord } from '../images/images-repo.js';
import { MAX_SELECTION } from '../images/access.js';
import { TRASH_DAYS } from '../trash/trash-repo.js';
import { COLOUR_NAMES, MAX_TAGS } from '../corrections/edits.js';
import { detailsFor, labelText, percent, takenAtText, takenFor } from '../images/present.js';
import type { Match } from '../search/search-repo.js';
import { matchedTags, WEAK_LABEL } from '../search/why.js';

/** One tag of views/images/tags.ejs: a search link for `term`, with a colour swatch or a share; `matched` by the current search. */
type Tag = { kind: 'colour' | 'colour own'; term: string; text: string; swatch?: string; pct?: string; matched?: boolean };
type Tagged = Pick<ImageRecord, 'colourName' | 'colourHex' | 'palette' | 'measuredColourName' | 'corrections'>;

/**
 * The image's colours as tags: its colour tag (the most common colour, with its hex; or the owner's name for
 * it, marked as theirs) first, then the rest of its palette with the share each covers.
 */
function colourTags(image: Tagged, matched: ReadonlySet<string> = new Set()): Tag[] {
  const named = image.corrections.colour !== null;
  const main: Tag = { kind: named ? 'colour own' : 'colour', term: image.colourName, text: `${image.colourName} ${image.colourHex}`, swatch: image.colourHex };
  const share = named ? undefined : image.palette?.find((c) => c.name === image.colourName)?.share;
  const rest = (image.palette ?? []).filter((c) => c.name !== image.colourName && c.name !== image.measuredColourName)
    .map((c): Tag => ({ kind: 'colour', term: c.name, text: c.name, swatch: c.hex, pct: percent(c.share) }));
  return [{ ...main, ...(share === undefined ? {} : { pct: percent(share) }) }, ...rest].map((tag) => ({ ...tag, matched: matched.has(tag.term) }));
}

/** A card's "why it matched" line: each query term it matched, with how strongly unless fully (an uploader, an id). */
const matchChips = (match: Match | undefined, image: Pick<ImageRecord, 'corrections'>) =>
  (match?.terms ?? []).map(({ term, strength }) => ({
    text: strength >= 1 ? term : `${term} ${percent(strength)}`, weak: strength < WEAK_LABEL, own: image.corrections.tags.some((tag) => tag.name === term),
  }));

/**
 * A search query as it goes in a link: spaces as "+" and commas as they are ("golden+retriever,+red"), as the
 * query parser reads them. Shorter than %20 and %2C%20, and easier to read in the address bar.
 */
const queryParam = (text: string) => {
  const encoded = encodeURIComponent(text);
  // Most terms (one word, an id, a user name) have neither: skip the two passes over them.
  return encoded.includes('%2') ? encoded.replace(/%20/g, '+').replace(/%2C/g, ',') : encoded;
};

/** The long side of a stored thumbnail (THUMB_SIZE in src/images/analysis.ts, which this module does not import: it loads sharp). */
export const THUMB_LONG_SIDE = 400;

/**
 * The grid lays out justified rows in CSS alone (public/app.css, "Grid"): a card grows in proportion to its
 * width / height. A CSP without 'unsafe-inline' styles allows no style="" to carry that number, and attr()
 * cannot feed it to CSS, so each card gets one of 41 classes: a10 (1:2, tall) to a50 (5:2, wide), width / height
 * in twentieths. Anything narrower or wider is cropped to those bounds in the grid; the viewer shows it whole.
 */
export const aspectClass = (image: { width: number; height: number }) =>
  `a${Math.min(50, Math.max(10, Math.round((image.width / image.height) * 20)))}`;

/** The thumbnail's own size (fit inside THUMB_LONG_SIDE, never enlarged), so <img> reserves its box before it loads. */
export function thumbSize(image: { width: number; height: number }): { width: number; height: number } {
  const scale = Math.min(1, THUMB_LONG_SIDE / Math.max(image.width, image.height));
  return { width: Math.max(1, Math.round(image.width * scale)), height: Math.max(1, Math.round(image.height * scale)) };
}

// The camera's clock is shown as it read, not moved into anyone's zone: UTC here only means "no conversion".
const wallClockFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const monthFormat = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** "4 Jul 2021, 18:30 (UTC−04:00)": the time where the photo was taken. */
function takenText(image: { takenAt: string | null; takenOffset: string | null }): string | null {
  if (!image.takenAt) return null;
  const when = wallClockFormat.format(Date.parse(`${image.takenAt}Z`));
  return image.takenOffset ? `${when} (UTC${image.takenOffset.replace('-', '\u2212')})` : when;
}

/** "Canon EOS R5": the model alone when it already names the make, as most do. */
function cameraText(exif: Pick<ExifDetails, 'make' | 'model'>): string | null {
  const { make, model } = exif;
  if (make && model) return model.toLowerCase().startsWith(make.split(/\s/)[0].toLowerCase()) ? model : `${make} ${model}`;
  return model ?? make;
}

/** "1/250 s · f/5.6 · ISO 200 · 50 mm", with what the camera recorded of it. */
function exposureText(exif: Pick<ExifDetails, 'exposureTime' | 'fNumber' | 'iso' | 'focalLength'>): string | null {
  const { exposureTime: t, fNumber, iso, focalLength } = exif;
  const shutter = t === null ? null : t >= 0.5 ? `${Number(t.toFixed(1))} s` : `1/${Math.round(1 / t)} s`;
  const parts = [shutter, fNumber === null ? null : `f/${Number(fNumber.toFixed(1))}`, iso === null ? null : `ISO ${iso}`,
    focalLength === null ? null : `${Number(focalLength.toFixed(1))} mm`].filter((p) => p !== null);
  return parts.length ? parts.join(' · ') : null;
}

/**
 * The month a card sits under in a list by date taken: key "2021-07", label "July 2021" (as public/js/gallery.js
 * works them out for a further page: change both together).
 */
function shotMonth(image: { takenAt: string | null; createdAt: number }): { key: string; label: string } {
  const when = image.takenAt ? Date.parse(`${image.takenAt}Z`) : image.createdAt;
  return { key: new Date(when).toISOString().slice(0, 7), label: monthFormat.format(when) };
}

/** Small formatting functions the templates share (app.locals). */
export const viewHelpers = {
  aspectClass,
  thumbSize,
  labelText,
  percent,
  colourTags,
  COLOUR_NAMES,
  MAX_TAGS,
  matchChips,
  matchedTags,
  WEAK_LABEL,
  detailsFor,
  takenFor,
  takenAtText,
  takenText,
  cameraText,
  exposureText,
  shotMonth,
  searchHref: (term: string) => `/search?q=${queryParam(term)}`,
  /** The link of a tag's "+": the current query with one more comma term. */
  addTermHref: (query: string, term: string) => `/search?q=${queryParam(query.trim() ? `${query.trim()}, ${term}` : term)}`,
  formatDate: (ms: number) => new Date(ms).toISOString().slice(0, 10),
  /** "2026-01-31 14:05 UTC": the server's words; the page script rewrites it in the reader's own time zone. */
  formatDateTime: (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  isoTime: (ms: number) => new Date(ms).toISOString(),
  formatBytes: (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`),
  formatCount: (n: number) => n.toLocaleString('en-US'),
  /** The most images one action on a selection takes (views/images/selection-bar.ejs). */
  maxSelection: MAX_SELECTION,
  trashDays: TRASH_DAYS,
  altText: (image: { labels: { name: string }[] | null; colourName: string }) =>
    image.labels?.length
      ? `Photo of ${image.labels.map((l) => labelText(l.name)).join(', ')}, mostly ${image.colourName}`
      : `Photo, mostly ${image.colourName} (not classified yet)`,
};
