// The tags of an accepted upload, built from its JSON (the same pills as on a card).
import { el } from './util.js';

const SVG = 'http://www.w3.org/2000/svg';

function swatch(hex) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'swatch');
  svg.setAttribute('viewBox', '0 0 1 1');
  svg.setAttribute('aria-hidden', 'true');
  const rect = document.createElementNS(SVG, 'rect');
  rect.setAttribute('width', '1');
  rect.setAttribute('height', '1');
  rect.setAttribute('fill', hex);
  svg.append(rect);
  return svg;
}

function tag(kind, term, text, extra) {
  const link = el('a', { href: `/search?q=${encodeURIComponent(term)}` }, extra, el('span', { className: 'tag-text' }, text));
  return el('li', { className: `tag ${kind}` }, link);
}

const labelText = (name) => name.split(',')[0].trim();

export function resultTags(image) {
  const list = el('ul', { className: 'tags', 'aria-label': 'Tags' });
  list.append(tag('colour', image.colour.name, image.colour.name, swatch(image.colour.hex)));
  for (const label of image.labels) {
    const text = labelText(label.name);
    const item = tag('label', text, text);
    item.firstChild.append(' ', el('span', { className: 'pct' }, `${Math.round(label.probability * 100)}%`));
    list.append(item);
  }
  return list;
}
