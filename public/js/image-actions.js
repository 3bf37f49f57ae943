// Make public/private and Delete act in place; the forms still post and redirect without JavaScript.
import { adjustCount } from './gallery.js';
import { submitForJson, toast } from './util.js';

const other = (visibility) => (visibility === 'public' ? 'private' : 'public');

/** Every place that shows this image (card, lightbox, image page) follows the new visibility. */
function showVisibility(id, visibility) {
  for (const badge of document.querySelectorAll(`[data-image-id="${id}"] .badge`)) {
    badge.className = `badge badge-${visibility}`;
    badge.textContent = visibility;
  }
  for (const form of document.querySelectorAll(`[data-image-id="${id}"] .visibility-form`)) {
    form.elements.visibility.value = other(visibility);
    const button = form.querySelector('button');
    button.textContent = `Make ${other(visibility)}`;
    button.setAttribute('aria-label', `Make ${button.dataset.name ?? 'image'} ${other(visibility)}`);
  }
}

function removeCards(id) {
  const cards = document.querySelectorAll(`.card[data-image-id="${id}"]`);
  for (const card of cards) {
    // Keep keyboard users in the grid: move focus to the next card's thumbnail before this one goes.
    if (card.contains(document.activeElement)) {
      const next = card.nextElementSibling ?? card.previousElementSibling;
      next?.querySelector('a')?.focus();
    }
    card.classList.add('is-leaving');
    setTimeout(() => card.remove(), 200);
  }
  if (cards.length) adjustCount(-1);
  const grid = document.getElementById('gallery-grid');
  // The last card of a page went: reload to show the next page's images or the empty state.
  if (grid && grid.querySelectorAll('.card:not(.is-leaving)').length === 0) setTimeout(() => location.reload(), 250);
}

async function run(form, action) {
  const button = form.querySelector('button');
  button.setAttribute('aria-busy', 'true');
  button.disabled = true;
  try {
    await action();
  } catch (err) {
    toast(err.message, 'error');
  } finally {
    button.removeAttribute('aria-busy');
    button.disabled = false;
  }
}

function onSubmit(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const holder = form.closest('[data-image-id]');
  if (!holder) return;
  const id = holder.dataset.imageId;

  if (form.matches('.visibility-form')) {
    event.preventDefault();
    run(form, async () => {
      const { image } = await submitForJson(form);
      showVisibility(id, image.visibility);
      toast(`"${image.originalName}" is now ${image.visibility}.`);
    });
  } else if (form.matches('.delete-form')) {
    event.preventDefault();
    if (!confirm(form.dataset.confirm ?? 'Delete this image?')) return;
    // On the image's own page there is nothing left to show: let the plain form redirect to the gallery.
    if (!form.closest('.card, dialog') && form.closest('.image-page')) return form.submit();
    run(form, async () => {
      await submitForJson(form);
      form.closest('dialog')?.close();
      removeCards(id);
      const name = form.querySelector('button').getAttribute('aria-label')?.replace(/^Delete /, '');
      toast(name ? `Deleted "${name}".` : 'Image deleted.');
    });
  }
}

export function enhanceImageActions() {
  document.addEventListener('submit', onSubmit);
}
