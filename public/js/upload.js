// The upload dialog: choose or drop many files, send them with a real progress bar, then show each file's result.
import { adjustCount, el, formatBytes } from './util.js';
import { sendFiles } from './upload-request.js';
import { resultTags } from './upload-result.js';

const onGalleryFirstPage = () => location.pathname === '/' && location.search === '';

/** A new card goes to the top of the gallery; on other pages (search, later pages) it would not belong. */
function insertCard(html) {
  const grid = document.getElementById('gallery-grid');
  if (!grid || !onGalleryFirstPage()) return false;
  const template = document.createElement('template');
  template.innerHTML = html.trim();
  const card = template.content.firstElementChild;
  if (!card) return false;
  // Rendered for the upload request: its forms would return to /images, so point them back here.
  for (const next of card.querySelectorAll('input[name="next"]')) next.value = location.pathname + location.search;
  card.classList.add('is-new');
  grid.prepend(card);
  document.getElementById('empty-state')?.remove();
  adjustCount(1);
  return true;
}

function enhanceForm(form) {
  const input = form.querySelector('input[type="file"]');
  const dropzone = form.querySelector('.dropzone');
  const list = form.querySelector('.file-list');
  const progressBox = form.querySelector('.progress');
  const progress = progressBox.querySelector('progress');
  const progressText = progressBox.querySelector('.progress-text');
  const summary = form.querySelector('.file-summary');
  const buttons = form.querySelector('.upload-buttons');
  const submit = form.querySelector('button[type="submit"]');
  const choices = form.querySelectorAll('fieldset input, input[type="file"]');
  const dialog = form.closest('dialog');
  let entries = []; // { file, row, url }
  let state = 'choosing';

  const syncInput = () => {
    // The input holds the same files, so `required` and a plain submit keep working.
    const transfer = new DataTransfer();
    for (const { file } of entries) transfer.items.add(file);
    input.files = transfer.files;
    const total = entries.reduce((sum, e) => sum + e.file.size, 0);
    summary.textContent = entries.length
      ? `${entries.length} file${entries.length === 1 ? '' : 's'} chosen, ${formatBytes(total)} in all.`
      : '';
    submit.textContent = entries.length > 1 ? `Upload ${entries.length} images` : 'Upload';
  };

  const fileRow = (entry) => {
    const { file } = entry;
    const preview = el('img', { className: 'preview', alt: '' });
    if (file.type.startsWith('image/')) {
      entry.url = URL.createObjectURL(file);
      preview.src = entry.url;
    }
    const remove = el('button', { type: 'button', className: 'button icon remove', 'aria-label': `Remove ${file.name}`, title: 'Remove' }, '×');
    remove.addEventListener('click', () => {
      const index = entries.indexOf(entry);
      entries.splice(index, 1);
      if (entry.url) URL.revokeObjectURL(entry.url);
      entry.row.remove();
      syncInput();
      (entries[index] ?? entries[index - 1])?.row.querySelector('.remove')?.focus() ?? dropzone.querySelector('input').focus();
    });
    return el('li', { className: 'file-item' }, preview,
      el('span', { className: 'name', title: file.name }, file.name),
      remove,
      el('span', { className: 'status' }, el('span', { className: 'size' }, formatBytes(file.size))));
  };

  const addFiles = (files) => {
    if (state === 'done') reset();
    if (state !== 'choosing') return;
    for (const file of files) {
      const same = entries.some((e) => e.file.name === file.name && e.file.size === file.size && e.file.lastModified === file.lastModified);
      if (same) continue;
      const entry = { file, row: null, url: null };
      entry.row = fileRow(entry);
      entries.push(entry);
      list.append(entry.row);
    }
    syncInput();
  };

  const setBusy = (busy) => {
    for (const c of choices) c.disabled = busy;
    for (const b of list.querySelectorAll('.remove')) b.hidden = busy || state === 'done';
    dropzone.hidden = state !== 'choosing'; // the list and the results get the room
    submit.disabled = busy;
    form.setAttribute('aria-busy', String(busy));
  };

  function reset() {
    for (const e of entries) if (e.url) URL.revokeObjectURL(e.url);
    entries = [];
    list.replaceChildren();
    progressBox.hidden = true;
    for (const extra of buttons.querySelectorAll('[data-after-upload]')) extra.remove();
    submit.hidden = false;
    state = 'choosing';
    setBusy(false);
    syncInput();
  }

  const showStatus = (entry, result) => {
    const status = entry.row.querySelector('.status');
    entry.row.classList.add(result.ok ? 'is-ok' : 'is-error');
    if (result.ok) {
      entry.row.querySelector('.preview').src = `/images/${result.image.id}/thumb`;
      const text = result.notice ? `Uploaded. ${result.notice}` : 'Uploaded';
      status.replaceChildren(el('span', { className: 'status-text' }, text), resultTags(result.image));
    } else {
      status.replaceChildren(el('span', { className: 'status-text' }, `Not uploaded: ${result.error}`));
    }
  };

  const finish = (results, error) => {
    state = 'done';
    setBusy(false);
    progressBox.hidden = true;
    submit.hidden = true;
    let inserted = 0;
    results.forEach((result, i) => {
      const entry = entries[i];
      if (entry) showStatus(entry, result);
      if (result.ok && result.html && insertCard(result.html)) inserted++;
    });
    if (error) for (const entry of entries.slice(results.length)) showStatus(entry, { ok: false, error });
    const ok = results.filter((r) => r.ok).length;
    const failed = entries.length - ok;
    summary.textContent = error && ok === 0
      ? `Nothing was uploaded: ${error}`
      : `Uploaded ${ok} of ${entries.length} image${entries.length === 1 ? '' : 's'}${failed ? `; ${failed} not uploaded (see below)` : ''}.`;
    const more = el('button', { type: 'button', className: 'button', 'data-after-upload': '' }, 'Upload more');
    more.addEventListener('click', () => { reset(); input.focus(); });
    const done = dialog
      ? el('button', { type: 'button', className: 'button primary', 'data-after-upload': '', 'data-close-dialog': '' }, 'Done')
      : el('a', { className: 'button primary', href: '/', 'data-after-upload': '' }, 'Go to the gallery');
    // Accepted images that this page cannot show get a way to see them.
    if (dialog && ok > inserted) buttons.prepend(el('a', { className: 'button', href: '/', 'data-after-upload': '' }, 'See them in the gallery'));
    buttons.append(more, done);
    done.focus();
  };

  const upload = () => {
    state = 'uploading';
    setBusy(true);
    const total = entries.reduce((sum, e) => sum + e.file.size, 0);
    progressBox.hidden = false;
    progress.value = 0;
    progressText.textContent = `Sending ${formatBytes(total)}…`;
    summary.textContent = `Uploading ${entries.length} file${entries.length === 1 ? '' : 's'}.`;
    sendFiles({
      url: form.action,
      token: form.elements._csrf.value,
      visibility: form.elements.visibility.value,
      files: entries.map((e) => e.file),
      onProgress(loaded, size) {
        const pct = size ? Math.round((loaded / size) * 100) : 0;
        progress.value = pct;
        progressText.textContent = `Sending… ${pct}% (${formatBytes(loaded)} of ${formatBytes(size)})`;
      },
      onSent() {
        progress.removeAttribute('value'); // indeterminate while the server analyses and classifies
        progressText.textContent = `Sent. Analysing ${entries.length} image${entries.length === 1 ? '' : 's'}…`;
      },
    }).then(({ results, error }) => finish(results, error));
  };

  input.addEventListener('change', () => addFiles([...input.files]));
  for (const type of ['dragenter', 'dragover']) {
    dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      if (state !== 'uploading') dropzone.classList.add('is-dragover');
    });
  }
  dropzone.addEventListener('dragleave', (event) => {
    if (!dropzone.contains(event.relatedTarget)) dropzone.classList.remove('is-dragover');
  });
  dropzone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropzone.classList.remove('is-dragover');
    addFiles([...(event.dataTransfer?.files ?? [])]);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (state !== 'choosing') return;
    if (entries.length === 0) {
      summary.textContent = 'Choose at least one image first.';
      input.focus();
      return;
    }
    upload();
  });
  dialog?.addEventListener('close', () => {
    if (state === 'done') reset();
  });
}

function openDialog(dialog, opener) {
  if (dialog.open) return;
  dialog.showModal();
  dialog.addEventListener('close', () => {
    // The empty state's button is gone once the first cards arrive: the newest card takes focus instead.
    const target = opener.isConnected ? opener : document.querySelector('#gallery-grid .card-thumb') ?? document.getElementById('main');
    target?.focus();
  }, { once: true });
}

export function enhanceUploads() {
  const dialog = document.getElementById('upload-dialog');
  for (const form of document.querySelectorAll('.upload-form')) enhanceForm(form);
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const opener = target?.closest('[data-open-upload]');
    if (opener && dialog && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      openDialog(dialog, opener);
      return;
    }
    const closer = target?.closest('[data-close-dialog]');
    if (closer) closer.closest('dialog')?.close();
  });
  // A click on the backdrop (the dialog element itself, outside its content) closes it.
  dialog?.addEventListener('click', (event) => {
    if (event.target === dialog && !dialog.querySelector('form[aria-busy="true"]')) dialog.close();
  });
}
