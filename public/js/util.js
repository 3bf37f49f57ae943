import { fetchSignedIn } from './session.js';

/** The session's CSRF token, from the meta tag every page carries. */
export const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

export function formatBytes(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** Small element builder: el('p', { className: 'x' }, 'text', child). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** Where toasts go: the open viewer's own region (a modal covers the page's), else the page's. */
export const toastRegion = () => document.querySelector('dialog[open] > .toasts') ?? document.getElementById('toasts');

/** Short status messages in one aria-live region at the bottom of the page. */
export function toast(text, kind = 'info') {
  const region = toastRegion();
  if (!region) return;
  const item = el('div', { className: `toast toast-${kind}` }, text);
  region.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 7000 : 4000);
}

/** Where an expired session goes: the login page, coming back here afterwards. */
export function goToLogin() {
  const next = location.pathname + location.search;
  location.assign(`/login?expired=1&next=${encodeURIComponent(next)}`);
}

/**
 * Sends a plain form as a script would (JSON answer, token in a header); throws with the server's message.
 * A `submitter` button brings its formaction and its name=value, as the browser's own submission would.
 */
export async function submitForJson(form, submitter) {
  // Built for each sending: after a sign-in in place, the form's token field holds the new session's token.
  const request = () => {
    const fields = new URLSearchParams(new FormData(form));
    if (submitter?.name) fields.append(submitter.name, submitter.value);
    return { method: 'POST', headers: { Accept: 'application/json', 'X-CSRF-Token': csrfToken() }, body: fields };
  };
  const res = await fetchSignedIn(submitter?.hasAttribute('formaction') ? submitter.formAction : form.action, request);
  if (!res) {
    goToLogin();
    throw new Error('Your session expired.');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `The server answered ${res.status}.`);
  return body;
}

/** Writes `text` to the clipboard; over plain http (no secure context, so no navigator.clipboard) through a selection. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const field = el('textarea', { value: text, readOnly: true, className: 'visually-hidden' });
  document.body.append(field);
  field.select();
  const copied = document.execCommand('copy');
  field.remove();
  if (!copied) throw new Error('Copying is blocked here: select the id and copy it by hand.');
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The details as JavaScript shows them: times in the reader's own zone, and copy buttons that work. */
export function enhanceDetails(root) {
  // The time a photo was taken stays as its camera read it, where it was taken.
  for (const time of root.querySelectorAll('time[datetime]:not([data-as-taken])')) {
    const when = new Date(time.getAttribute('datetime'));
    if (!Number.isNaN(when.getTime())) time.textContent = timeFormat.format(when);
  }
  for (const button of root.querySelectorAll('[data-copy]')) button.hidden = false;
}

/** Every [data-copy] button on the page, also those of details loaded later. */
export function enhanceCopyButtons() {
  document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
    if (!button) return;
    try {
      await copyText(button.dataset.copy);
      toast('Copied the id.');
    } catch (err) {
      toast(err.message, 'error');
    }
  });
}
