// The owner's corrections (remove a label or put it back, add or remove a tag, rename the colour) in place:
// the request as JSON, then the details drawn again by the server. Without JavaScript each form posts and
// the page comes back.
import { fetchDetails } from './details.js';
import { submitForJson, toast } from './util.js';

const detailsOf = (id) => document.querySelector(`.details[data-image-id="${CSS.escape(id)}"]`);

/**
 * Where the focus goes in the new details: the tag field after a tag was added; else the same control (the
 * colour's Save), or the one that took its place (a removed label's Put back, a label's remove once put
 * back); the tag field or the heading when none is left.
 */
function focusTarget(details, form, button) {
  const usable = (el) => (el && !el.disabled ? el : null);
  if (form.matches('.add-tag')) return usable(details.querySelector('.add-tag input[name="tag"]')) ?? details.querySelector('.filename');
  if (!button) return usable(details.querySelector(`form[action="${CSS.escape(form.getAttribute('action'))}"] button`)) ?? details.querySelector('.filename');
  const buttons = [...details.querySelectorAll('button.correct')].filter((b) => b.value === button.value);
  const twin = buttons.find((b) => b.getAttribute('formaction') === button.getAttribute('formaction')) ?? buttons[0];
  return usable(twin) ?? usable(details.querySelector('.add-tag input[name="tag"]')) ?? details.querySelector('.filename');
}

/** `form` is the page's #image-actions with a correction's `button`, or a correction's own form in the details. */
async function correct(form, button) {
  const id = (button ?? form).closest('.details').dataset.imageId;
  const busy = detailsOf(id);
  const focused = document.activeElement;
  // One correction at a time: the next waits for these details to be drawn again.
  busy.inert = true;
  busy.setAttribute('aria-busy', 'true');
  try {
    const { message } = await submitForJson(form, button);
    toast(message);
    const fresh = await fetchDetails(id);
    // Looked up again: the viewer may have moved on, or drawn the details anew, meanwhile.
    const shown = detailsOf(id);
    if (!fresh || !shown) return;
    // The viewer names itself by the details' heading.
    const title = shown.querySelector('h1')?.id;
    if (title) fresh.querySelector('h1')?.setAttribute('id', title);
    const target = focusTarget(fresh, form, button);
    shown.replaceWith(fresh);
    if (!target.matches('input, button, select')) target.tabIndex = -1;
    target.focus();
  } catch (err) {
    toast(err.message, 'error');
    busy.inert = false;
    // Inert details dropped the focus: back where it was, so the field keeps what was typed in reach.
    if (focused?.isConnected) focused.focus();
  } finally {
    busy.inert = false;
    busy.removeAttribute('aria-busy');
  }
}

function onSubmit(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const button = event.submitter;
  // A correction's button in the details submits the page's #image-actions form (views/images/details.ejs).
  const viaActions = form.id === 'image-actions' && button instanceof HTMLButtonElement && button.matches('.correct');
  if (!viaActions && !form.matches('.details form.correct')) return;
  event.preventDefault();
  correct(form, viaActions ? button : undefined);
}

export function enhanceCorrections() {
  document.addEventListener('submit', onSubmit);
}
