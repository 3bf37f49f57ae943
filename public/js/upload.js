// The upload form, enhanced: choose or drop many files, send them with a real progress bar, then show each file's result.
import { insertCard } from './gallery.js';
import { el, formatBytes } from './util.js';
import { sendFiles } from './upload-request.js';
import { fileRow, showResult, showTransfer } from './upload-rows.js';
import { enhanceUploadDialog } from './upload-dialog.js';

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

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
  const dialog = form.closest('dialog');
  const usageLine = form.querySelector('.quota-usage');
  let entries = []; // { file, row, url }
  let state = 'choosing'; // then 'uploading', then 'done'

  const totalBytes = () => entries.reduce((sum, e) => sum + e.file.size, 0);

  const syncInput = () => {
    // The input holds the same files, so `required` and a plain submit keep working.
    const transfer = new DataTransfer();
    for (const { file } of entries) transfer.items.add(file);
    input.files = transfer.files;
    summary.textContent = entries.length ? `${plural(entries.length, 'file')} chosen, ${formatBytes(totalBytes())} in all.` : '';
    submit.textContent = entries.length > 1 ? `Upload ${entries.length} images` : 'Upload';
  };

  const setState = (next) => {
    state = next;
    const busy = state === 'uploading';
    for (const control of form.querySelectorAll('fieldset input, input[type="file"]')) control.disabled = busy;
    for (const remove of list.querySelectorAll('.remove')) remove.hidden = state !== 'choosing';
    dropzone.hidden = state !== 'choosing'; // the list and the results get the room
    progressBox.hidden = !busy;
    submit.disabled = busy;
    submit.hidden = state === 'done';
    form.setAttribute('aria-busy', String(busy));
  };

  const removeEntry = (entry) => {
    const index = entries.indexOf(entry);
    entries.splice(index, 1);
    if (entry.url) URL.revokeObjectURL(entry.url);
    entry.row.remove();
    syncInput();
    const neighbour = entries[index] ?? entries[index - 1];
    (neighbour?.row.querySelector('.remove') ?? input).focus();
  };

  const addFiles = (files) => {
    if (state === 'done') reset();
    if (state !== 'choosing') return;
    for (const file of files) {
      const known = entries.some((e) => e.file.name === file.name && e.file.size === file.size && e.file.lastModified === file.lastModified);
      if (known) continue;
      const entry = { file };
      Object.assign(entry, fileRow(file, () => removeEntry(entry)));
      entries.push(entry);
      list.append(entry.row);
    }
    syncInput();
  };

  function reset() {
    for (const e of entries) if (e.url) URL.revokeObjectURL(e.url);
    entries = [];
    list.replaceChildren();
    for (const extra of buttons.querySelectorAll('[data-after-upload]')) extra.remove();
    setState('choosing');
    syncInput();
  }

  const afterButtons = (accepted, inserted) => {
    const mark = { 'data-after-upload': '' };
    // Accepted images that this page cannot show get a way to see them.
    if (dialog && accepted > inserted) buttons.append(el('a', { className: 'button', href: '/', ...mark }, 'See them in the gallery'));
    const more = el('button', { type: 'button', className: 'button', ...mark }, 'Upload more');
    more.addEventListener('click', () => { reset(); input.focus(); });
    const done = dialog
      ? el('button', { type: 'button', className: 'button primary', 'data-close-dialog': '', ...mark }, 'Done')
      : el('a', { className: 'button primary', href: '/', ...mark }, 'Go to the gallery');
    buttons.append(more, done);
    done.focus();
  };

  const showUsage = (usage) => {
    if (usageLine && usage) usageLine.textContent = usage.text;
  };

  // The dialog is on every page, so its usage is asked for when it opens rather than counted for every page.
  const refreshUsage = () => {
    if (!usageLine) return;
    fetch(usageLine.dataset.usageUrl, { headers: { Accept: 'application/json' } })
      .then((res) => (res.ok ? res.json() : {}))
      .then((answer) => showUsage(answer.usage), () => undefined);
  };

  const finish = ({ results, error, usage }) => {
    setState('done');
    showUsage(usage);
    let inserted = 0;
    results.forEach((result, i) => {
      if (entries[i]) showResult(entries[i].row, result);
      if (result.ok && result.html && insertCard(result.html)) inserted++;
    });
    if (error) for (const entry of entries.slice(results.length)) showResult(entry.row, { ok: false, error });
    const accepted = results.filter((r) => r.ok).length;
    const failed = entries.length - accepted;
    summary.textContent = error && accepted === 0
      ? `Nothing was uploaded: ${error}`
      : `Uploaded ${accepted} of ${plural(entries.length, 'image')}${failed ? `; ${failed} not uploaded (see below)` : ''}.`;
    afterButtons(accepted, inserted);
  };

  const upload = () => {
    // Read the choice before the controls are disabled for the transfer.
    const visibility = form.elements.visibility.value;
    setState('uploading');
    progress.value = 0;
    progressText.textContent = `Sending ${formatBytes(totalBytes())}…`;
    summary.textContent = `Uploading ${plural(entries.length, 'file')}.`;
    submit.textContent = 'Uploading…';
    sendFiles({
      url: form.action,
      token: form.elements._csrf.value,
      visibility,
      files: entries.map((e) => e.file),
      onProgress(loaded, size) {
        const pct = size ? Math.round((loaded / size) * 100) : 0;
        progress.value = pct;
        progressText.textContent = `Sending… ${pct}% (${formatBytes(loaded)} of ${formatBytes(size)})`;
        showTransfer(entries, loaded);
      },
      onSent() {
        progress.removeAttribute('value'); // indeterminate while the server analyses and classifies
        progressText.textContent = `Sent. Analysing ${plural(entries.length, 'image')}…`;
      },
    }).then(finish);
  };

  input.addEventListener('change', () => addFiles([...input.files]));
  for (const type of ['dragenter', 'dragover']) {
    dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      dropzone.classList.add('is-dragover');
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
  dialog?.addEventListener('upload-dialog-open', refreshUsage);
  dialog?.addEventListener('close', () => {
    if (state === 'done') reset();
  });
}

export function enhanceUploads() {
  for (const form of document.querySelectorAll('.upload-form')) enhanceForm(form);
  enhanceUploadDialog();
}
