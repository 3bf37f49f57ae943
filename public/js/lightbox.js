// Clicking a thumbnail (or Enter on it) shows the photo large with its details and actions; without JavaScript it
// is a link to its page. The arrows go on past the last loaded photo (the grid loads the next page), and on
// touch screens the photo swipes, pinches and double-taps.
import { el, toast } from './util.js';
import { fetchDetails } from './details.js';
import { focusCard, hasOlder, loadOlder } from './gallery.js';
import { imageShortcut, isPlainKey } from './shortcuts.js';
import { zoomable } from './zoom.js';

let box; // the one viewer dialog, made on first use
let current; // the grid link of the photo shown
let loadId = 0;
let zoom;

const thumbLinks = () => [...document.querySelectorAll('#gallery-grid .card:not(.is-leaving) a[data-lightbox]')];
const idOf = (link) => link.closest('[data-image-id]').dataset.imageId;
const part = (name) => box.querySelector(name);

function iconButton(className, label, title) {
  return el('button', { type: 'button', className, 'aria-label': label, title });
}

function build() {
  const close = iconButton('button icon close', 'Close', 'Close (Esc)');
  close.dataset.closeDialog = '';
  const prev = iconButton('lightbox-nav prev', 'Previous photo', 'Previous (←)');
  const next = iconButton('lightbox-nav next', 'Next photo', 'Next (→)');
  const full = iconButton('lightbox-tool fullscreen', 'Full screen', 'Full screen (F)');
  full.setAttribute('aria-pressed', 'false');
  full.hidden = !document.fullscreenEnabled;
  const image = el('img', { className: 'lightbox-image', alt: '' });
  const stage = el('div', { className: 'lightbox-stage', role: 'group', 'aria-label': 'Photo', tabIndex: -1 }, image, prev, next, full);
  const dialog = el('dialog', { className: 'lightbox', 'aria-label': 'Photo' },
    stage,
    el('div', { className: 'lightbox-side' },
      el('div', { className: 'lightbox-top' }, el('a', { className: 'page-link', href: '#' }, 'Open the image page'), close),
      el('div', { className: 'lightbox-details' })),
    // Toasts while the viewer is open: outside it, the modal dialog would cover them and make them inert.
    el('div', { className: 'toasts', role: 'status', 'aria-live': 'polite' }));
  prev.addEventListener('click', () => step(-1));
  next.addEventListener('click', () => step(1));
  full.addEventListener('click', toggleFullscreen);
  document.addEventListener('fullscreenchange', () => full.setAttribute('aria-pressed', String(document.fullscreenElement === stage)));
  dialog.addEventListener('keydown', onKeydown);
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener('close', onClose);
  document.body.append(dialog);
  zoom = zoomable(stage, image, { onSwipe: step });
  return dialog;
}

function onKeydown(event) {
  if (!isPlainKey(event)) return;
  const actions = {
    ArrowLeft: () => step(-1),
    ArrowRight: () => step(1),
    f: toggleFullscreen,
    F: toggleFullscreen,
    '+': () => zoom.zoomBy(1.5),
    '=': () => zoom.zoomBy(1.5),
    '-': () => zoom.zoomBy(1 / 1.5),
    0: () => zoom.zoomBy(0),
  };
  if (event.key in actions) {
    event.preventDefault();
    actions[event.key]();
    return;
  }
  if (current && imageShortcut(event, part('.lightbox-details .details'), idOf(current))) event.preventDefault();
}

function toggleFullscreen() {
  if (!document.fullscreenEnabled) return;
  if (document.fullscreenElement) document.exitFullscreen();
  else part('.lightbox-stage').requestFullscreen().catch(() => undefined);
}

function onClose() {
  if (document.fullscreenElement) document.exitFullscreen().catch(() => undefined);
  part('.lightbox-image').removeAttribute('src');
  zoom.reset();
  // Back to the photo last shown, which may be one the viewer loaded past the first page.
  const card = current?.isConnected ? current.closest('.card') : thumbLinks()[0]?.closest('.card');
  if (!focusCard(card)) document.getElementById('main')?.focus();
}

let stepping = false;

async function step(delta) {
  if (stepping || !current) return;
  const links = thumbLinks();
  const at = links.indexOf(current);
  let target = links[at + delta];
  if (!target && delta > 0 && hasOlder()) {
    stepping = true;
    part('.lightbox-nav.next').setAttribute('aria-busy', 'true');
    try {
      await loadOlder();
      target = thumbLinks()[at + 1];
    } catch (err) {
      toast(err.message, 'error');
    } finally {
      stepping = false;
      part('.lightbox-nav.next').removeAttribute('aria-busy');
    }
  }
  if (target) show(target);
}

async function loadDetails(id, mine) {
  const holder = part('.lightbox-details');
  holder.replaceChildren(el('p', { className: 'details loading' }, 'Loading details…'));
  try {
    const details = await fetchDetails(id);
    if (mine !== loadId || !details) return;
    details.querySelector('h1')?.setAttribute('id', 'lightbox-title');
    // The focus was in the old details (a Delete pressed there): keep it in the viewer, on the photo.
    const hadFocus = holder.contains(document.activeElement);
    holder.replaceChildren(details);
    if (hadFocus) part('.lightbox-stage').focus();
    box.setAttribute('aria-labelledby', 'lightbox-title');
  } catch (err) {
    if (mine === loadId) holder.replaceChildren(el('p', { className: 'details error' }, err.message));
  }
}

function show(link) {
  current = link;
  const id = idOf(link);
  const mine = ++loadId;
  const img = part('.lightbox-image');
  const thumb = link.querySelector('img');
  zoom.reset();
  img.src = thumb?.currentSrc || `/images/${id}/thumb`; // already loaded: shows at once, sharpens below
  img.alt = thumb?.alt ?? '';
  const full = new Image();
  full.addEventListener('load', () => { if (mine === loadId) img.src = full.src; });
  full.src = `/images/${id}/file`;
  part('.page-link').href = `/images/${id}`;
  const links = thumbLinks();
  const at = links.indexOf(link);
  part('.prev').disabled = at <= 0;
  part('.next').disabled = at >= links.length - 1 && !hasOlder();
  // A disabled button cannot hold the focus: the photo takes it.
  if (document.activeElement?.disabled) part('.lightbox-stage').focus();
  box.removeAttribute('aria-labelledby');
  loadDetails(id, mine);
}

function open(link) {
  box ??= build();
  show(link);
  if (!box.open) box.showModal();
  part('[data-close-dialog]').focus();
}

/** The photo shown was deleted: show the next one (or the one before), or close when none is left. */
async function onDeleted(event) {
  if (!box?.open || !current || idOf(current) !== event.detail.id) return;
  const links = thumbLinks().filter((link) => idOf(link) !== event.detail.id);
  const at = thumbLinks().indexOf(current);
  let target = links[at] ?? undefined;
  if (!target && hasOlder()) target = (await loadOlder().catch(() => []))[0]?.querySelector('a[data-lightbox]');
  target ??= links[at - 1];
  if (!target) {
    current = undefined;
    box.close();
    return;
  }
  show(target);
  part('.lightbox-stage').focus();
}

export function enhanceLightbox() {
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[data-lightbox]') : null;
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    open(link);
  });
  document.addEventListener('image-deleted', onDeleted);
}
