// Clicking a thumbnail shows the image large with its details and actions; without JavaScript it is a link to its page.
import { el, goToLogin } from './util.js';

let box; // the one lightbox dialog, made on first use
let current; // the thumbnail link being shown
let loadId = 0;

const thumbLinks = () => [...document.querySelectorAll('#gallery-grid a[data-lightbox]')];

function build() {
  const close = el('button', { type: 'button', className: 'button icon', 'aria-label': 'Close', title: 'Close (Esc)', 'data-close-dialog': '' }, '×');
  const prev = el('button', { type: 'button', className: 'lightbox-nav prev', 'aria-label': 'Previous image', title: 'Previous (←)' }, '‹');
  const next = el('button', { type: 'button', className: 'lightbox-nav next', 'aria-label': 'Next image', title: 'Next (→)' }, '›');
  const dialog = el('dialog', { className: 'lightbox', 'aria-label': 'Image' },
    el('div', { className: 'lightbox-stage' }, prev, el('img', { className: 'lightbox-image', alt: '' }), next),
    el('div', { className: 'lightbox-side' },
      el('div', { className: 'lightbox-top' }, el('a', { className: 'page-link', href: '#' }, 'Open the image page'), close),
      el('div', { className: 'lightbox-details' })));
  prev.addEventListener('click', () => step(-1));
  next.addEventListener('click', () => step(1));
  dialog.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'ArrowLeft') step(-1);
    if (event.key === 'ArrowRight') step(1);
  });
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener('close', () => {
    if (current?.isConnected) current.focus();
    dialog.querySelector('.lightbox-image').removeAttribute('src');
  });
  document.body.append(dialog);
  return dialog;
}

function step(delta) {
  const links = thumbLinks();
  const at = links.indexOf(current);
  const target = links[at + delta];
  if (target) show(target);
}

async function loadDetails(id, mine) {
  const holder = box.querySelector('.lightbox-details');
  holder.replaceChildren(el('p', { className: 'details loading' }, 'Loading details…'));
  try {
    const res = await fetch(`/images/${id}`, { headers: { Accept: 'text/html' }, credentials: 'same-origin' });
    if (mine !== loadId) return;
    if (new URL(res.url).pathname === '/login') return goToLogin();
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    const details = doc.querySelector('.details');
    if (!res.ok || !details) throw new Error(doc.querySelector('main p')?.textContent ?? 'This image is gone.');
    details.querySelector('h1')?.setAttribute('id', 'lightbox-title');
    holder.replaceChildren(document.importNode(details, true));
    box.setAttribute('aria-labelledby', 'lightbox-title');
  } catch (err) {
    if (mine === loadId) holder.replaceChildren(el('p', { className: 'details error' }, err.message));
  }
}

function show(link) {
  current = link;
  const id = link.closest('[data-image-id]').dataset.imageId;
  const mine = ++loadId;
  const img = box.querySelector('.lightbox-image');
  const thumb = link.querySelector('img');
  img.src = thumb?.currentSrc || `/images/${id}/thumb`; // already loaded: shows at once, sharpens below
  img.alt = thumb?.alt ?? '';
  const full = new Image();
  full.addEventListener('load', () => { if (mine === loadId) img.src = full.src; });
  full.src = `/images/${id}/file`;
  box.querySelector('.page-link').href = `/images/${id}`;
  const links = thumbLinks();
  box.querySelector('.prev').disabled = links.indexOf(link) <= 0;
  box.querySelector('.next').disabled = links.indexOf(link) >= links.length - 1;
  box.removeAttribute('aria-labelledby');
  loadDetails(id, mine);
}

function open(link) {
  box ??= build();
  show(link);
  if (!box.open) box.showModal();
  box.querySelector('[data-close-dialog]').focus();
}

export function enhanceLightbox() {
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[data-lightbox]') : null;
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    open(link);
  });
}
