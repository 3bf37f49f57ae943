import { labelText, percent } from '../images/present.js';

/** Small formatting functions the templates share (app.locals). */
export const viewHelpers = {
  labelText,
  percent,
  searchHref: (term: string) => `/search?q=${encodeURIComponent(term)}`,
  /** The link of a tag's "+": the current query with one more comma term. */
  addTermHref: (query: string, term: string) => `/search?q=${encodeURIComponent(query.trim() ? `${query.trim()}, ${term}` : term)}`,
  formatDate: (ms: number) => new Date(ms).toISOString().slice(0, 10),
  formatBytes: (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`),
  formatCount: (n: number) => n.toLocaleString('en-US'),
  altText: (image: { labels: { name: string }[] | null; colourName: string }) =>
    image.labels?.length
      ? `Photo of ${image.labels.map((l) => labelText(l.name)).join(', ')}, mostly ${image.colourName}`
      : `Photo, mostly ${image.colourName} (not classified yet)`,
};
