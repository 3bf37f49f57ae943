// An image's details as its page renders them, fetched for the viewer (and again after a correction), so the
// server's template is the one place they are made.
import { enhanceDetails, goToLogin } from './util.js';
import { fetchSignedIn } from './session.js';

/** The details' address, with the search shown (so each tag's + adds to it). */
export function detailsUrl(id) {
  const searching = location.pathname === '/search' || location.pathname === `/images/${id}`;
  const q = searching ? new URLSearchParams(location.search).get('q') : null;
  return q ? `/images/${id}?q=${encodeURIComponent(q)}` : `/images/${id}`;
}

/** The image's .details, ready to put in this page; null when the session is over (the login page follows). */
export async function fetchDetails(id) {
  const res = await fetchSignedIn(detailsUrl(id), () => ({ headers: { Accept: 'text/html' } }));
  if (!res) {
    goToLogin();
    return null;
  }
  const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
  const details = doc.querySelector('.details');
  if (!res.ok || !details) throw new Error(doc.querySelector('main p')?.textContent ?? 'This image is gone.');
  const imported = document.importNode(details, true);
  enhanceDetails(imported);
  return imported;
}
