// A grid card built from an image's JSON (a further page, loaded in place): the same markup as
// views/images/cards.ejs, which test/e2e/grid.test.ts checks. Change both together.
import { el } from './util.js';

const labelText = (name) => name.split(',')[0].trim();

/** As src/web/view-helpers.ts: aspectClass, thumbSize and altText. */
const aspectClass = ({ width, height }) => `a${Math.min(50, Math.max(10, Math.round((width / height) * 20)))}`;
function thumbSize({ width, height }) {
  const scale = Math.min(1, 400 / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
const altText = (image) => (image.labels.length
  ? `Photo of ${image.labels.map((l) => labelText(l.name)).join(', ')}, mostly ${image.colour.name}`
  : `Photo, mostly ${image.colour.name} (not classified yet)`);

const SVG = 'http://www.w3.org/2000/svg';

function placeholder(hex) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('aria-hidden', 'true');
  const rect = document.createElementNS(SVG, 'rect');
  rect.setAttribute('fill', hex);
  svg.append(rect);
  return svg;
}

function ownerButtons(image) {
  const to = image.visibility === 'public' ? 'private' : 'public';
  const button = (attrs) => attrsOn(document.createElement('button'), attrs);
  return el('span', { className: 'card-actions' },
    button({ form: 'image-actions', formaction: `/images/${image.id}/visibility`, name: 'visibility', value: to, 'aria-label': `Make ${image.originalName} ${to}` }),
    button({ class: 'delete', form: 'image-actions', formaction: `/images/${image.id}/delete`, 'aria-label': `Delete ${image.originalName}` }));
}

/** Attributes in the template's order, set as attributes (the properties of `form` and `formaction` are read-only or resolved). */
function attrsOn(node, attrs) {
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

/** `index` is the image's place on its page (the first 12 load at once, as the server renders them); `mine` gives the owner's buttons. */
export function tileFor(image, index, mine) {
  const size = thumbSize(image);
  const img = attrsOn(document.createElement('img'), {
    src: `/images/${image.id}/thumb`, alt: altText(image), width: size.width, height: size.height, ...(index < 12 ? {} : { loading: 'lazy' }),
  });
  const link = attrsOn(document.createElement('a'), { class: 'card-thumb', href: `/images/${image.id}`, 'data-lightbox': '' });
  link.append(placeholder(image.colour.hex), img);
  const card = attrsOn(document.createElement('li'), { class: `card ${aspectClass(image)}`, 'data-image-id': image.id });
  card.append(link, attrsOn(document.createElement('input'), { type: 'checkbox', name: 'ids', value: image.id, 'aria-label': 'Select' }));
  if (image.match) card.append(whyLine(image.match, image.tags));
  if (image.visibility === 'private') card.append(privateBadge());
  if (mine) card.append(ownerButtons(image));
  return card;
}

/** As src/images/present.ts percent and src/web/view-helpers.ts matchChips (WEAK_LABEL is 5%). */
const percent = (p) => (p < 0.005 ? '<1%' : `${Math.round(p * 100)}%`);
function whyLine(match, tags) {
  const line = attrsOn(document.createElement('span'), { class: 'why', 'aria-label': 'Matched' });
  for (const { term, strength } of match.terms) {
    const own = tags.some((tag) => tag.name === term) ? ' own' : '';
    const chip = attrsOn(document.createElement('span'), { class: `${strength < 0.05 ? 'hit weak' : 'hit'}${own}` });
    chip.textContent = strength >= 1 ? term : `${term} ${percent(strength)}`;
    line.append(chip);
  }
  return line;
}

/** The lock a private card wears (also put on and taken off when its visibility changes in place). */
export function privateBadge() {
  return attrsOn(document.createElement('span'), { class: 'badge badge-private', role: 'img', 'aria-label': 'private' });
}
