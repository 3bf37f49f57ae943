// The 30-minute session as the page sees it: a notice two minutes before it ends and, once it has ended, a
// small password dialog wherever an action needs it, after which the action carries on with what it had (the
// same form, the same files). The session stays absolute: signing in again starts a new one of 30 minutes.
import { el, goToLogin, toast } from './util.js';

const WARN_BEFORE_MS = 2 * 60 * 1000;
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
let timers = [];
let asking; // the one dialog that every request meeting the ended session waits on
let signIns = 0; // how many times this page signed in again (a request sent before the last one just retries)
// The other tabs of this site: a new session replaces theirs too, so they take its token and its clock.
const tabs = 'BroadcastChannel' in window ? new BroadcastChannel('image-repo-session') : undefined;

const byId = (id) => document.getElementById(id);

export function enhanceSessionEnd() {
  const endsIn = Number(document.querySelector('meta[name="session-ends-in"]')?.content);
  if (!byId('session-dialog') || !Number.isFinite(endsIn)) return; // nobody signed in
  schedule(endsIn);
  tabs?.addEventListener('message', ({ data }) => {
    if (data?.username === document.querySelector('meta[name="session-user"]')?.content) adopt(data);
  });
}

/** Which sign-in a request is sent under: pass it to reauthenticate when the request answers 401. */
export const sessionEpoch = () => signIns;

/**
 * fetch(url, init()) for a page of a signed-in user: when the answer says the session has ended (a 401, or
 * a page sent to the login form), the password in place and the same request again, built anew by init() so
 * it carries the new session's token. Undefined when the user would rather not sign in here.
 */
export async function fetchSignedIn(url, init) {
  for (;;) {
    const sentUnder = signIns;
    const res = await fetch(url, { credentials: 'same-origin', ...init() });
    if (res.status !== 401 && new URL(res.url).pathname !== '/login') return res;
    if (!(await reauthenticate({ sentUnder }))) return undefined;
  }
}

/** Timers from the time left, not from a date: the server's clock and this device's need not agree. */
function schedule(endsIn) {
  for (const timer of timers) clearTimeout(timer);
  showNotice(undefined);
  const endsAt = new Date(Date.now() + endsIn);
  timers = [
    setTimeout(() => showNotice(`Your session ends at ${timeFormat.format(endsAt)}, in ${minutesLeft(endsAt)}.`, 'Stay signed in'), Math.max(0, endsIn - WARN_BEFORE_MS)),
    setTimeout(() => showNotice('Your session has ended. Your next action asks for your password.', 'Sign in again'), Math.max(0, endsIn)),
  ];
}

const minutesLeft = (endsAt) => {
  const minutes = Math.max(1, Math.ceil((endsAt.getTime() - Date.now()) / 60_000));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
};

/**
 * The notice lives in a status region that is always on the page (empty when there is nothing to say), so
 * screen readers announce the text when it appears.
 */
function showNotice(text, action) {
  const region = byId('session-notice');
  if (!region) return;
  region.replaceChildren();
  if (!text) return;
  const renew = el('button', { type: 'button', className: 'button primary' }, action);
  renew.addEventListener('click', async () => {
    if (await reauthenticate({ early: true })) toast('You are signed in for another 30 minutes.');
  });
  const dismiss = el('button', { type: 'button', className: 'button icon', 'aria-label': 'Dismiss' }, '×');
  dismiss.addEventListener('click', () => showNotice(undefined));
  region.append(el('p', { className: 'session-notice-text' }, text), renew, dismiss);
}

/**
 * Asks for the password in place and signs in again; resolves true once the page holds the new session's
 * token, false when the user would rather not (Escape, or the login page). Every caller at once shares one
 * dialog. A request sent under an earlier sign-in (`sentUnder`, from sessionEpoch) is not asked again: the
 * page signed in since, so it resolves true at once and the request goes again with the new token.
 */
export function reauthenticate({ early = false, sentUnder = signIns } = {}) {
  if (sentUnder < signIns) return Promise.resolve(true);
  asking ??= ask(early).finally(() => (asking = undefined));
  return asking;
}

function ask(early) {
  const dialog = byId('session-dialog');
  if (!dialog) return Promise.resolve(false);
  const form = dialog.querySelector('form');
  const { password } = form.elements;
  const error = byId('session-error');
  const submit = form.querySelector('button[type="submit"]');
  byId('session-dialog-title').textContent = early ? 'Stay signed in' : 'Your session has ended';
  byId('session-dialog-text').textContent = early
    ? 'Enter your password to start a new 30-minute session.'
    : 'Enter your password to carry on. What you were doing continues where it stopped.';
  const showError = (text) => {
    error.textContent = text;
    error.hidden = !text;
  };
  showError('');
  password.value = '';

  return new Promise((resolve) => {
    const finish = (signedIn) => {
      form.removeEventListener('submit', onSubmit);
      dialog.removeEventListener('cancel', onCancel);
      leave.removeEventListener('click', onLeave);
      dialog.close();
      resolve(signedIn);
    };
    const onSubmit = async (event) => {
      event.preventDefault();
      submit.disabled = true;
      try {
        const answer = await signIn(form.elements.username.value, password.value);
        adopt(answer);
        tabs?.postMessage(answer);
        finish(true);
      } catch (err) {
        showError(err.message);
        password.select();
        password.focus();
      } finally {
        submit.disabled = false;
      }
    };
    const onCancel = (event) => {
      event.preventDefault(); // closed by finish, so the promise always settles
      finish(false);
    };
    const onLeave = () => {
      finish(false);
      goToLogin();
    };
    const leave = dialog.querySelector('[data-session-leave]');
    form.addEventListener('submit', onSubmit);
    dialog.addEventListener('cancel', onCancel);
    leave.addEventListener('click', onLeave);
    dialog.showModal();
    password.focus();
  });
}

/** The login form's own route, as JSON: first a token for it (the page's died with the session), then the login. */
async function signIn(username, password) {
  try {
    const form = await fetch('/login', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    const { csrfToken } = await form.json();
    const res = await fetch('/login', {
      method: 'POST',
      headers: { Accept: 'application/json', 'X-CSRF-Token': csrfToken },
      body: new URLSearchParams({ username, password, _csrf: csrfToken }),
      credentials: 'same-origin',
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error ?? `The server answered ${res.status}. Try again.`);
    return body;
  } catch (err) {
    throw err instanceof TypeError ? new Error('The connection failed. Check your network and try again.') : err;
  }
}

/** The new session's token everywhere the page keeps one, and its clock. */
function adopt({ csrfToken, sessionEndsInMs }) {
  signIns++;
  document.querySelector('meta[name="csrf-token"]')?.setAttribute('content', csrfToken);
  for (const input of document.querySelectorAll('input[name="_csrf"]')) input.value = csrfToken;
  schedule(sessionEndsInMs);
}
