// The /images/:id page: the viewer's keys (D, P, Delete) and its details as the viewer shows them. Zooming is
// the browser's own here (pinch, Ctrl +): the page scrolls, so the viewer's touch gestures would be in the way.
import { enhanceDetails } from './util.js';
import { imageShortcut, isPlainKey } from './shortcuts.js';

export function enhanceImagePage() {
  const page = document.querySelector('.image-page');
  if (!page) return;
  enhanceDetails(page.querySelector('.details'));
  document.addEventListener('keydown', (event) => {
    if (!isPlainKey(event) || document.querySelector('dialog[open]')) return;
    if (imageShortcut(event, page.querySelector('.details'), page.dataset.imageId)) event.preventDefault();
  });
}
