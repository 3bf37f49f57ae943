// After a delete: "Moved to the trash" with Undo for 10 seconds (held while the pointer or the focus is on
// it, so a slow reader or a keyboard user is not rushed). Undo restores the images and puts their cards back
// where they stood (or reloads the page, when the grid has changed around them). From an image's own page the
// toast follows to the gallery.
import { fetchSignedIn } from './session.js';
import { csrfToken, el, toast, toastRegion } from './util.js';
import { focusCard, forgetCards, putBackCards } from './gallery.js';

const UNDO_MS = 10_000;
const CARRIED = 'image-repo:undo';

async function restore(ids) {
  const res = await fetchSignedIn('/trash/restore', () => ({
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() },
    body: JSON.stringify({ ids }),
  }));
  const body = await res?.json().catch(() => ({}));
  if (!res?.ok) throw new Error(body?.error ?? 'Could not restore: the images are still in the trash.');
  if (body.restored.length < ids.length) throw new Error('Some of the images were no longer in the trash.');
}

/** Says what went to the trash (`ids`), with an Undo button for `ms`, counted while neither pointer nor focus is on it. */
export function toastTrashed(text, ids, ms = UNDO_MS) {
  const region = toastRegion();
  if (!region) return;
  const undo = el('button', { type: 'button', className: 'toast-action' }, 'Undo');
  const item = el('div', { className: 'toast toast-undo' }, el('span', {}, text), undo);
  region.append(item);
  let timer;
  const held = { pointer: false, focus: false };
  const hold = (why, on) => {
    held[why] = on;
    clearTimeout(timer);
    if (!held.pointer && !held.focus) {
      timer = setTimeout(() => {
        item.remove();
        forgetCards(ids);
      }, ms);
    }
  };
  item.addEventListener('pointerenter', () => hold('pointer', true));
  item.addEventListener('pointerleave', () => hold('pointer', false));
  item.addEventListener('focusin', () => hold('focus', true));
  item.addEventListener('focusout', () => hold('focus', false));
  hold('pointer', false);
  undo.addEventListener('click', async () => {
    undo.disabled = true;
    try {
      await restore(ids);
      clearTimeout(timer);
      const hadFocus = item.contains(document.activeElement);
      item.remove();
      if (!putBackCards(ids)) {
        location.reload();
        return;
      }
      if (hadFocus) focusCard(document.querySelector(`#gallery-grid .card[data-image-id="${ids[0]}"]`));
      toast(ids.length === 1 ? 'Restored.' : `Restored ${ids.length.toLocaleString('en-US')} images.`);
    } catch (err) {
      item.remove();
      toast(err.message, 'error');
    }
  });
}

/** For the next page (the image's own page is gone): the toast shows there for the time left. */
export function carryTrashed(text, ids) {
  sessionStorage.setItem(CARRIED, JSON.stringify({ text, ids, until: Date.now() + UNDO_MS }));
}

export function showCarriedTrashed() {
  const carried = sessionStorage.getItem(CARRIED);
  if (!carried) return;
  sessionStorage.removeItem(CARRIED);
  const { text, ids, until } = JSON.parse(carried);
  if (until > Date.now()) toastTrashed(text, ids, until - Date.now());
}
