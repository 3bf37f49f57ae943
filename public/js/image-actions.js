// Make public/private and Delete (into the trash) act in place. Their buttons submit the page's one #image-actions form to
// their own formaction, so without JavaScript they still post and redirect back.
import { removeCards } from './gallery.js';
import { privateBadge } from './tile.js';
import { carryTrashed, toastTrashed } from './trash-undo.js';
import { submitForJson, toast } from './util.js';

const other = (visibility) => (visibility === 'public' ? 'private' : 'public');

/** Every place that shows this image (card, viewer, image page) follows the new visibility. */
export function showVisibility(id, visibility, name) {
  for (const holder of document.querySelectorAll(`[data-image-id="${id}"]`)) {
    if (holder.matches('.card')) {
      holder.querySelector('.badge-private')?.remove();
      if (visibility === 'private') holder.querySelector('.card-thumb').after(privateBadge());
    }
    for (const badge of holder.querySelectorAll(':scope:not(.card) .badge')) {
      badge.className = `badge badge-${visibility}`;
      badge.textContent = visibility;
    }
    for (const button of holder.querySelectorAll('button[name="visibility"]')) {
      button.value = other(visibility);
      // A card's button is an icon named for its image; the details' one says what it does.
      if (button.closest('.card-actions')) button.setAttribute('aria-label', `Make ${name} ${other(visibility)}`);
      else button.textContent = `Make ${other(visibility)}`;
    }
  }
}

async function run(button, action) {
  // A disabled button drops the focus: it comes back to the button when it is enabled again.
  const focused = document.activeElement === button;
  button.setAttribute('aria-busy', 'true');
  button.disabled = true;
  try {
    await action();
  } catch (err) {
    toast(err.message, 'error');
  } finally {
    button.removeAttribute('aria-busy');
    button.disabled = false;
    if (focused && button.isConnected && document.activeElement === document.body) button.focus();
  }
}

/** The image's name: a card's buttons carry it, the details have it as their heading. */
function nameFor(button) {
  const heading = button.closest('.details')?.querySelector('.filename');
  if (heading) return heading.textContent.trim();
  return button.getAttribute('aria-label')?.replace(/^Delete /, '') ?? '';
}

function onSubmit(event) {
  const form = event.target;
  const button = event.submitter;
  if (!(form instanceof HTMLFormElement) || form.id !== 'image-actions' || !(button instanceof HTMLButtonElement)) return;
  const holder = button.closest('[data-image-id]');
  if (!holder) return;
  const id = holder.dataset.imageId;

  if (button.name === 'visibility') {
    event.preventDefault();
    run(button, async () => {
      const { image } = await submitForJson(form, button);
      showVisibility(id, image.visibility, image.originalName);
      toast(`"${image.originalName}" is now ${image.visibility}.`);
    });
  } else if (button.matches('.delete')) {
    // Into the trash, with Undo: no question first (without JavaScript a page asks instead).
    event.preventDefault();
    const name = nameFor(button);
    const text = name ? `Moved "${name}" to the trash.` : 'Moved to the trash.';
    run(button, async () => {
      const { trashed } = await submitForJson(form, button);
      // On the image's own page there is nothing left to show: the gallery, with the same Undo.
      if (!button.closest('.card, dialog')) {
        carryTrashed(text, trashed);
        location.assign('/');
        return;
      }
      // The viewer moves on to the next photo before the card goes (public/js/lightbox.js).
      document.dispatchEvent(new CustomEvent('image-deleted', { detail: { id } }));
      removeCards(id);
      toastTrashed(text, trashed);
    });
  }
}

export function enhanceImageActions() {
  document.addEventListener('submit', onSubmit);
}
