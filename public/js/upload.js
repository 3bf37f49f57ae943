// The upload form, enhanced: choose or drop many files, check them against the server's limits, send them in
// several requests with one progress bar for the whole selection, then show each file's result.
import { insertCard } from './gallery.js';
import { el, formatBytes, toast } from './util.js';
import { isTransient } from './upload-request.js';
import { limitsOf, planBatches, refusalOf } from './upload-plan.js';
import { sendBatches } from './upload-send.js';
import { fileRow, resetRow, showResult, showStage, showTransfer } from './upload-rows.js';
import { enhanceUploadDialog } from './upload-dialog.js';
import { rememberVisibility } from './upload-visibility.js';

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
// Bytes sent fill most of the bar; the rest fills as the server's answers arrive, so it never empties while it analyses.
const SENT_SHARE = 0.85;

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
  const indicator = dialog ? document.getElementById('upload-indicator') : null;
  const usageLine = form.querySelector('.quota-usage');
  const limits = limitsOf(form);
  let entries = []; // { file, row, url, keepCopies?, outcome?: 'ok' | 'refused' | 'rejected' | 'copy' | 'failed' }
  let state = 'choosing'; // then 'uploading', then 'done'
  let lastError;

  const sendable = () => entries.filter((e) => e.outcome !== 'refused');
  const bytesOf = (list) => list.reduce((sum, e) => sum + e.file.size, 0);

  const syncInput = () => {
    // The input holds the files worth sending, so `required` and a plain submit keep working.
    const transfer = new DataTransfer();
    for (const { file } of sendable()) transfer.items.add(file);
    input.files = transfer.files;
    const refused = entries.length - sendable().length;
    summary.textContent = entries.length
      ? `${plural(entries.length, 'file')} chosen, ${formatBytes(bytesOf(entries))} in all.${refused ? ` ${refused} cannot be uploaded (see below).` : ''}`
      : '';
    const count = sendable().length;
    submit.textContent = count > 1 ? `Upload ${count} images` : 'Upload';
  };

  const showIndicator = (text) => {
    if (!indicator) return;
    indicator.hidden = dialog.open || !text;
    indicator.textContent = text ?? '';
  };

  const setState = (next) => {
    state = next;
    const busy = state === 'uploading';
    for (const control of form.querySelectorAll('fieldset input, .copies-choice input, input[type="file"]')) control.disabled = busy;
    for (const remove of list.querySelectorAll('.remove')) remove.hidden = state !== 'choosing';
    dropzone.hidden = state !== 'choosing'; // the list and the results get the room
    progressBox.hidden = !busy;
    submit.disabled = busy;
    submit.hidden = state === 'done';
    form.setAttribute('aria-busy', String(busy));
    if (state === 'choosing') showIndicator(undefined);
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
      // Refused here, before a byte is sent, in the words the server would use.
      const refusal = refusalOf(file, limits);
      if (refusal) {
        entry.outcome = 'refused';
        // Not worth decoding for a preview (and a fake "image" would show the broken-image icon).
        entry.row.querySelector('.preview').removeAttribute('src');
        if (entry.url) URL.revokeObjectURL(entry.url);
        entry.url = null;
        showResult(entry.row, { ok: false, error: refusal });
      }
      entries.push(entry);
      list.append(entry.row);
    }
    syncInput();
  };

  /** Back to choosing; files whose transfer failed stay, ready to be sent again. */
  function reset() {
    const kept = entries.filter((e) => e.outcome === 'failed');
    for (const e of entries) if (e.url && !kept.includes(e)) URL.revokeObjectURL(e.url);
    entries = kept;
    list.replaceChildren(...kept.map((e) => e.row));
    for (const e of kept) {
      e.outcome = undefined;
      resetRow(e.row, e.file);
    }
    clearAfterButtons();
    setState('choosing');
    syncInput();
  }

  const clearAfterButtons = () => {
    for (const extra of buttons.querySelectorAll('[data-after-upload]')) extra.remove();
  };

  const afterButtons = (accepted, inserted, failed, copies) => {
    const mark = { 'data-after-upload': '' };
    // Accepted images that this page cannot show get a way to see them.
    if (dialog && accepted > inserted) buttons.append(el('a', { className: 'button', href: '/', ...mark }, 'See them in the gallery'));
    if (failed.length) {
      const retry = el('button', { type: 'button', className: 'button', ...mark }, `Retry ${plural(failed.length, 'failed file')}`);
      // Files that "Upload the copy anyway" sent are sent again as copies to keep.
      retry.addEventListener('click', () => upload(failed, { keepCopies: failed.every((e) => e.keepCopies) || form.elements.duplicates.checked }));
      buttons.append(retry);
    }
    if (copies.length) {
      const text = copies.length === 1 ? 'Upload the copy anyway' : `Upload the ${copies.length} copies anyway`;
      const keep = el('button', { type: 'button', className: 'button', ...mark }, text);
      keep.addEventListener('click', () => upload(copies, { keepCopies: true }));
      buttons.append(keep);
    }
    const more = el('button', { type: 'button', className: 'button', ...mark }, 'Upload more');
    more.addEventListener('click', () => { reset(); input.focus(); });
    const done = dialog
      ? el('button', { type: 'button', className: 'button primary', 'data-close-dialog': '', ...mark }, 'Done')
      : el('a', { className: 'button primary', href: '/', ...mark }, 'Go to the gallery');
    buttons.append(more, done);
    (failed.length ? buttons.querySelector('[data-after-upload]:not(a)') : done).focus();
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

  let inserted = 0;
  const finish = () => {
    setState('done');
    const accepted = entries.filter((e) => e.outcome === 'ok').length;
    const failed = entries.filter((e) => e.outcome === 'failed');
    const copies = entries.filter((e) => e.outcome === 'copy');
    const notUploaded = entries.length - accepted;
    summary.textContent = lastError && accepted === 0
      ? `Nothing was uploaded: ${lastError}`
      : `Uploaded ${accepted} of ${plural(entries.length, 'image')}${notUploaded ? `; ${notUploaded} not uploaded (see below)` : ''}.`;
    clearAfterButtons();
    afterButtons(accepted, inserted, failed, copies);
    showIndicator(`Upload finished: ${accepted} of ${entries.length} uploaded`);
    // The corner button's text is not announced as it changes: the end is, when the dialog is not open to say it.
    if (dialog && !dialog.open) toast(`Upload finished: ${accepted} of ${plural(entries.length, 'image')} uploaded.`, accepted < entries.length ? 'error' : 'info');
  };

  /** One figure for the whole selection: bytes sent, then answers received. */
  const progressOf = (toSend) => {
    const total = bytesOf(toSend) || 1;
    const sent = new Map();
    let answeredBytes = 0;
    let answered = 0;
    let shown = 0;
    const draw = () => {
      const sentBytes = [...sent.values()].reduce((a, b) => a + b, 0);
      // Monotonic: a retried request starts its bytes again, the bar does not go back.
      shown = Math.max(shown, Math.floor(((SENT_SHARE * sentBytes + (1 - SENT_SHARE) * answeredBytes) / total) * 100));
      progress.value = shown;
      const done = `${answered} of ${plural(toSend.length, 'image')} done`;
      progressText.textContent = sentBytes < total
        ? `Sending… ${shown}% (${formatBytes(sentBytes)} of ${formatBytes(total)}, ${done})`
        : `Analysing… ${shown}% (${done})`;
      showIndicator(`Uploading… ${shown}%`);
    };
    return {
      sent(batch, bytes) { sent.set(batch, bytes); draw(); },
      answered(batch) { answered += batch.length; answeredBytes += bytesOf(batch); draw(); },
    };
  };

  const showAnswer = (batch, { results, error, usage }) => {
    showUsage(usage);
    batch.forEach((entry, i) => {
      const result = results[i] ?? { ok: false, error };
      showResult(entry.row, result);
      entry.outcome = result.ok ? 'ok' : !results[i] || isTransient(result) ? 'failed' : result.reason === 'duplicate' ? 'copy' : 'rejected';
      if (result.ok && result.html && insertCard(result.html)) inserted++;
    });
    if (error) lastError = error;
  };

  /** `keepCopies` from "Upload the copy anyway"; otherwise the form's checkbox says. */
  const upload = async (toSend, { keepCopies = form.elements.duplicates.checked } = {}) => {
    // Read the choices before the controls are disabled for the transfer.
    const visibility = form.elements.visibility.value;
    clearAfterButtons();
    setState('uploading');
    lastError = undefined;
    for (const entry of toSend) {
      entry.keepCopies = keepCopies;
      resetRow(entry.row, entry.file);
      showStage(entry.row, entry.file, 'waiting');
    }
    progress.value = 0;
    summary.textContent = `Uploading ${plural(toSend.length, 'file')}.`;
    submit.textContent = 'Uploading…';
    const figure = progressOf(toSend);
    figure.sent(null, 0);
    const { unsent } = await sendBatches(planBatches(toSend, limits), {
      url: form.action,
      visibility,
      keepCopies,
      onProgress(batch, bytes) {
        figure.sent(batch, bytes);
        showTransfer(batch, bytes);
      },
      onRetry(batch, seconds) {
        for (const entry of batch) showStage(entry.row, entry.file, `retrying in ${seconds} s…`);
      },
      onAnswer(batch, answer) {
        showAnswer(batch, answer);
        figure.answered(batch);
      },
    });
    for (const batch of unsent) showAnswer(batch, { results: [], error: lastError });
    finish();
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
    if (sendable().length === 0) {
      summary.textContent = entries.length ? 'None of these files can be uploaded: choose others.' : 'Choose at least one image first.';
      input.focus();
      return;
    }
    inserted = 0;
    upload(sendable());
  });
  // Leaving the page would drop the requests still on their way.
  window.addEventListener('beforeunload', (event) => {
    if (state !== 'uploading') return;
    event.preventDefault();
    event.returnValue = '';
  });
  rememberVisibility(form);
  dialog?.addEventListener('upload-dialog-open', () => {
    refreshUsage();
    showIndicator(undefined);
  });
  dialog?.addEventListener('close', () => {
    if (state === 'done') reset();
    else if (state === 'uploading') {
      showIndicator(progressText.textContent ? `Uploading… ${progress.value}%` : 'Uploading…');
      toast('The upload goes on. The Uploading button in the corner opens it again.');
    }
  });
}

export function enhanceUploads() {
  for (const form of document.querySelectorAll('.upload-form')) enhanceForm(form);
  enhanceUploadDialog();
}
