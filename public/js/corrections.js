// The owner's corrections (remove a label or put it back, add or remove a tag, rename the colour) in place:
// the request as JSON, then the details drawn again by the server. Without JavaScript each form posts and
// the page comes back.
import { fetchDetails } from './details.js';
import { submitForJson, toast } from './util.js';

/** Where the focus goes in the new details: the tag field after a tag was added, else the control's twin. */
function focusTarget(details, control) {
  if (control?.name === 'tag' || control?.closest('.add-tag')) return details.querySelector('.add-tag input[name="tag"]');
  return details.querySelector('.add-tag input[name="tag"]') ?? details.querySelector('.filename');
}

async function correct(form, submitter) {
  const details = (submitter ?? form).closest('.details');
  const busy = submitter ?? form.querySelector('button');
  busy?.setAttribute('aria-busy', 'true');
  try {
    const { message } = await submitForJson(form, submitter);
    toast(message);
    const fresh = await fetchDetails(details.dataset.imageId);
    if (!fresh) return;
    // The viewer names itself by the details' heading.
    const title = details.querySelector('h1')?.id;
    if (title) fresh.querySelector('h1')?.setAttribute('id', title);
    details.replaceWith(fresh);
    const target = focusTarget(fresh, submitter ?? form);
    if (target) {
      if (!target.matches('input, button')) target.tabIndex = -1;
      target.focus();
    }
  } catch (err) {
    toast(err.message, 'error');
  } finally {
    busy?.removeAttribute('aria-busy');
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
