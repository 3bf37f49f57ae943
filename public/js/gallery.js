// The grid of photos: kept in step with uploads and deletes made in place, one tab stop with arrow keys between
// photos (a roving tabindex), and further pages loaded in place (the viewer asks for them past the last photo).
import { el, goToLogin } from './util.js';
import { fetchSignedIn } from './session.js';
import { imageShortcut, isPlainKey } from './shortcuts.js';
import { tileFor } from './tile.js';

const onGalleryFirstPage = () => location.pathname === '/' && location.search === '';
const grid = () => document.getElementById('gallery-grid');
export const cards = () => [...(grid()?.querySelectorAll('.card:not(.is-leaving)') ?? [])];
const linkOf = (card) => card.querySelector('.card-thumb');
let current; // the card whose link is the grid's one tab stop

/** The page's "N images" line. */
export function adjustCount(delta) {
  const count = document.querySelector('.count[data-count]');
  if (!count) return;
  const n = Math.max(0, Number(count.dataset.count) + delta);
  count.dataset.count = String(n);
  count.hidden = n === 0;
  count.textContent = `${n.toLocaleString('en-US')} image${n === 1 ? '' : 's'}`;
  // The selection bar's "Select all N" counts the same list.
  const bar = document.querySelector('.selection-bar[data-total]');
  if (bar) bar.dataset.total = String(Math.max(0, Number(bar.dataset.total) + delta));
}

/** Exactly one link of the grid is in the tab order: the current card's, or the first one's. */
function syncTabStops() {
  const all = cards();
  if (!current || !current.isConnected || current.classList.contains('is-leaving')) current = all[0];
  for (const card of all) {
    const link = linkOf(card);
    link.tabIndex = card === current ? 0 : -1;
    if (card === current) link.setAttribute('aria-describedby', 'grid-keys');
    else link.removeAttribute('aria-describedby');
    // Buttons and the check are reached by their keys (P, Delete, X), not by Tab through every card.
    for (const control of card.querySelectorAll('.card-actions button, :scope > input')) control.tabIndex = -1;
  }
}

/** Moves the tab stop to `card` and focuses its link. */
export function focusCard(card) {
  if (!card) return false;
  current = card;
  syncTabStops();
  linkOf(card).focus();
  return true;
}

/** Cards a delete took out, with where each stood, for an Undo to put back (public/js/trash-undo.js). */
const takenOut = new Map();

/** The image's cards go (after a delete); the last of a page going reloads it. */
export function removeCards(id) {
  const gone = grid()?.querySelectorAll(`.card[data-image-id="${id}"]`) ?? [];
  for (const card of gone) {
    // Keep keyboard users in the grid: the next card takes focus (and the tab stop) before this one goes.
    if (card.contains(document.activeElement)) focusCard(neighbourOf(card));
    card.classList.add('is-leaving');
    takenOut.set(id, { card, next: card.nextElementSibling, timer: setTimeout(() => card.remove(), 200) });
  }
  if (gone.length) adjustCount(-1);
  // The last card of a page went: reload to show the next page's images or the empty state.
  if (grid() && cards().length === 0) setTimeout(() => location.reload(), 250);
}

/**
 * Puts the cards of these images back where they stood (an Undo). False when one cannot be (the grid changed
 * around it since): the caller reloads the page instead.
 */
export function putBackCards(ids) {
  const pending = ids.map((id) => takenOut.get(id));
  if (pending.some((entry) => !entry) || !grid()) return false;
  const waiting = new Set(pending.map((entry) => entry.card));
  // A card goes back before the card that followed it, so the ones that followed other taken-out cards wait for those.
  while (waiting.size) {
    const ready = pending.find((entry) => waiting.has(entry.card) && !waiting.has(entry.next) && (entry.next === null || entry.next.isConnected));
    if (!ready) return false;
    clearTimeout(ready.timer);
    ready.card.classList.remove('is-leaving');
    if (ready.next) ready.next.before(ready.card);
    else grid().append(ready.card);
    waiting.delete(ready.card);
  }
  forgetCards(ids);
  adjustCount(ids.length);
  syncTabStops();
  return true;
}

/** No Undo is coming for these any more. */
export const forgetCards = (ids) => ids.forEach((id) => takenOut.delete(id));

/** The card beside `card` once it goes: the next one, else the one before. */
export function neighbourOf(card) {
  const all = cards();
  const at = all.indexOf(card);
  return all[at + 1] ?? all[at - 1];
}

/**
 * The card straight above or below: in the next row up or down, the one under `x` (or the nearest to it). `x`
 * stays the same through a run of Up and Down presses, so Down then Up comes back to the same photo.
 */
function verticalNeighbour(all, card, direction, x) {
  const box = card.getBoundingClientRect();
  let best;
  for (const other of all) {
    const r = other.getBoundingClientRect();
    const ahead = direction > 0 ? r.top > box.top + 1 : r.top < box.top - 1;
    if (!ahead) continue;
    const distance = x >= r.left && x <= r.right ? 0 : Math.min(Math.abs(x - r.left), Math.abs(x - r.right));
    const nearerRow = !best || (direction > 0 ? r.top < best.top - 1 : r.top > best.top + 1);
    const sameRow = best && Math.abs(r.top - best.top) <= 1;
    if (nearerRow || (sameRow && distance < best.distance)) best = { card: other, distance, top: r.top };
  }
  return best?.card;
}

let columnX; // where a run of Up and Down presses started

const MOVES = {
  ArrowLeft: (all, at) => all[at - 1],
  ArrowRight: (all, at) => all[at + 1],
  ArrowUp: (all, at, card) => verticalNeighbour(all, card, -1, columnX),
  ArrowDown: (all, at, card) => verticalNeighbour(all, card, 1, columnX),
  Home: (all) => all[0],
  End: (all) => all.at(-1),
};

/** The card an arrow key, Home or End leads to from `card` (the card itself at an edge); undefined for other keys. */
export function cardTowards(card, key) {
  if (!(key in MOVES)) return undefined;
  const vertical = key === 'ArrowUp' || key === 'ArrowDown';
  if (!vertical) columnX = undefined;
  else if (columnX === undefined) {
    const box = card.getBoundingClientRect();
    columnX = box.left + box.width / 2;
  }
  const all = cards();
  return MOVES[key](all, all.indexOf(card), card) ?? card;
}

function onKeydown(event) {
  const link = event.target instanceof Element ? event.target.closest('.card-thumb') : null;
  // With Shift, the arrows select on their way (public/js/selection.js).
  if (!link || !isPlainKey(event) || (event.shiftKey && event.key in MOVES)) return;
  const card = link.closest('.card');
  const target = cardTowards(card, event.key);
  if (target) {
    event.preventDefault();
    focusCard(target);
    return;
  }
  columnX = undefined;
  // While photos are selected the bar acts on them, not a photo's own keys (its buttons are hidden too).
  if (grid().querySelector('.card > input:checked')) return;
  if (imageShortcut(event, card, card.dataset.imageId)) event.preventDefault();
}

/** Where the next page's JSON is: the Older link of the page links. */
export const hasOlder = () => Boolean(document.querySelector('.pagination a[rel="next"]'));

let loading;

/** Appends the next page of the list (same order, same filter) to the grid; resolves with the cards added. */
export function loadOlder() {
  loading ??= fetchOlder().finally(() => (loading = undefined));
  return loading;
}

async function fetchOlder() {
  const older = document.querySelector('.pagination a[rel="next"]');
  if (!older || !grid()) return [];
  const res = await fetchSignedIn(older.href, () => ({ headers: { Accept: 'application/json' } }));
  if (!res) {
    goToLogin();
    return [];
  }
  if (!res.ok) throw new Error(`The next page did not load (the server answered ${res.status}).`);
  const page = await res.json();
  const me = document.querySelector('.account .name')?.textContent;
  const shown = new Set(cards().map((c) => c.dataset.imageId));
  const added = page.images.filter((image) => !shown.has(image.id)).map((image, i) => tileFor(image, i, image.owner === me));
  grid().append(...(grid().dataset.order === 'taken' ? withMonths(page.images.filter((image) => !shown.has(image.id)), added) : added));
  showLoadedPages(older, page);
  syncTabStops();
  return added;
}

const monthFormat = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** As shotMonth in src/web/view-helpers.ts: the month of the camera's clock, else of the upload. */
function shotMonth(image) {
  const when = image.takenAt ? Date.parse(`${image.takenAt.slice(0, 19)}Z`) : Date.parse(image.createdAt);
  return { key: new Date(when).toISOString().slice(0, 7), label: monthFormat.format(when) };
}

/** By date taken, the cards of a further page with a heading where a new month begins (as views/images/cards.ejs). */
function withMonths(images, tiles) {
  let month = [...grid().querySelectorAll('.month')].at(-1)?.dataset.month;
  return images.flatMap((image, i) => {
    const m = shotMonth(image);
    if (m.key === month) return [tiles[i]];
    const end = el('li', { className: 'row-end', 'aria-hidden': 'true' });
    const heading = el('li', { className: 'month' }, el('h2', {}, m.label));
    heading.dataset.month = m.key;
    const before = month ? [end, heading] : [heading];
    month = m.key;
    return [...before, tiles[i]];
  });
}

/** The page links now say which pages the grid holds, and Older leads past them. */
function showLoadedPages(older, page) {
  const label = document.querySelector('.pagination .page-of');
  if (label) label.textContent = `Pages ${label.dataset.firstPage}–${page.page.toLocaleString('en-US')}${page.pages === null ? '' : ` of ${page.pages.toLocaleString('en-US')}`}`;
  if (page.older) {
    older.href = page.older;
  } else {
    const end = document.createElement('span');
    end.className = 'button disabled';
    end.setAttribute('aria-disabled', 'true');
    end.textContent = older.textContent;
    older.replaceWith(end);
  }
}

/** A new card goes to the top of the gallery; on other pages (search, later pages) it would not belong. */
export function insertCard(html) {
  if (!grid() || !onGalleryFirstPage()) return false;
  const template = document.createElement('template');
  template.innerHTML = html.trim();
  const card = template.content.firstElementChild;
  if (!card) return false;
  card.classList.add('is-new');
  grid().prepend(card);
  document.getElementById('empty-state')?.remove();
  adjustCount(1);
  syncTabStops();
  return true;
}

export function enhanceGrid() {
  const list = grid();
  if (!list) return;
  const hint = document.createElement('span');
  hint.id = 'grid-keys';
  hint.className = 'visually-hidden';
  hint.textContent = 'Arrow keys move between photos, Enter opens one, question mark lists every key.';
  list.before(hint);
  syncTabStops();
  list.addEventListener('keydown', onKeydown);
  // A click or a script focusing a card makes it the tab stop, so Tab comes back to it.
  list.addEventListener('focusin', (event) => {
    const card = event.target instanceof Element ? event.target.closest('.card') : null;
    if (card && card !== current) {
      current = card;
      syncTabStops();
    }
  });
}
