// The grid of cards on the gallery page, kept in step with uploads and deletes made in place.

const onGalleryFirstPage = () => location.pathname === '/' && location.search === '';

/** The page's "N images" line. */
export function adjustCount(delta) {
  const count = document.querySelector('.count[data-count]');
  if (!count) return;
  const n = Math.max(0, Number(count.dataset.count) + delta);
  count.dataset.count = String(n);
  count.hidden = n === 0;
  count.textContent = `${n.toLocaleString('en-US')} image${n === 1 ? '' : 's'}`;
}

/** A new card goes to the top of the gallery; on other pages (search, later pages) it would not belong. */
export function insertCard(html) {
  const grid = document.getElementById('gallery-grid');
  if (!grid || !onGalleryFirstPage()) return false;
  const template = document.createElement('template');
  template.innerHTML = html.trim();
  const card = template.content.firstElementChild;
  if (!card) return false;
  card.classList.add('is-new');
  grid.prepend(card);
  document.getElementById('empty-state')?.remove();
  adjustCount(1);
  return true;
}
