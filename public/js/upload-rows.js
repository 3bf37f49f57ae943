// One row per chosen file in the upload form: preview, name, size, then how its transfer and analysis went.
import { el, formatBytes } from './util.js';
import { resultTags } from './upload-result.js';

/** A row for a file about to be sent; `onRemove` runs when its × is pressed. Returns the row and its preview URL. */
export function fileRow(file, onRemove) {
  // Lazy: a selection of hundreds decodes only the previews scrolled into view.
  const preview = el('img', { className: 'preview', alt: '', loading: 'lazy' });
  const url = file.type.startsWith('image/') ? URL.createObjectURL(file) : null;
  // A file that only claims to be an image shows the empty preview box, not the browser's broken-image icon.
  preview.addEventListener('error', () => preview.removeAttribute('src'), { once: true });
  if (url) preview.src = url;
  const remove = el('button', { type: 'button', className: 'button icon remove', 'aria-label': `Remove ${file.name}`, title: 'Remove' }, '×');
  remove.addEventListener('click', onRemove);
  const row = el('li', { className: 'file-item' }, preview,
    el('span', { className: 'name', title: file.name }, file.name),
    remove,
    el('span', { className: 'status' }, el('span', { className: 'size' }, formatBytes(file.size))));
  return { row, url };
}

/** Back to a row waiting to be sent, as it was when chosen. */
export function resetRow(row, file) {
  row.classList.remove('is-ok', 'is-error', 'is-copy');
  row.querySelector('.status').replaceChildren(el('span', { className: 'size' }, formatBytes(file.size)));
}

/** A word on the row's transfer, after its size: "waiting", "retrying in 2 s…". */
export function showStage(row, file, stage) {
  const size = row.querySelector('.size');
  if (size) size.textContent = `${formatBytes(file.size)} · ${stage}`;
}

/** Files go in order, so the bytes sent so far say which file is on the wire. */
export function showTransfer(entries, loaded) {
  let end = 0;
  for (const { file, row } of entries) {
    const start = end;
    end += file.size;
    showStage(row, file, loaded >= end ? 'sent' : loaded > start ? 'sending…' : 'waiting');
  }
}

/** The server's word on one file: its thumbnail and tags, or the reason it was turned away. */
export function showResult(row, result) {
  const status = row.querySelector('.status');
  // A copy is no failure: the photo is in the library already.
  row.classList.add(result.ok ? 'is-ok' : result.reason === 'duplicate' ? 'is-copy' : 'is-error');
  if (result.ok) {
    row.querySelector('.preview').src = `/images/${result.image.id}/thumb`;
    const similar = result.similarTo ? ' It looks like a photo you already have.' : '';
    const text = result.notice ? `Uploaded. ${result.notice}${similar}` : similar ? `Uploaded.${similar}` : 'Uploaded';
    const twin = result.similarTo ? [' ', el('a', { href: `/images/${encodeURIComponent(result.similarTo)}` }, 'See it')] : [];
    status.replaceChildren(el('span', { className: 'status-text' }, text), ...twin, resultTags(result.image));
  } else {
    status.replaceChildren(el('span', { className: 'status-text' }, `Not uploaded: ${result.error}`));
    if (result.copyOf) status.append(' ', el('a', { href: `/images/${encodeURIComponent(result.copyOf)}` }, 'See it'));
  }
}
