// The ? key (or the header's keyboard button) lists every key of the grid and the viewer.
import { el } from './util.js';
import { SHORTCUTS, isPlainKey } from './shortcuts.js';

let dialog;

function build() {
  const close = el('button', { type: 'button', className: 'button icon close', 'aria-label': 'Close', title: 'Close (Esc)' });
  close.addEventListener('click', () => dialog.close());
  const list = el('dl', { className: 'keys-list' });
  for (const { keys, what } of SHORTCUTS) {
    const dt = el('dt', {});
    keys.forEach((key, i) => dt.append(...(i ? [' '] : []), el('kbd', {}, key)));
    list.append(dt, el('dd', {}, what));
  }
  dialog = el('dialog', { className: 'keys-help', 'aria-labelledby': 'keys-help-title' },
    el('div', { className: 'dialog-head' }, el('h2', { id: 'keys-help-title' }, 'Keyboard shortcuts'), close),
    el('div', { className: 'keys-body' }, list));
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  document.body.append(dialog);
  return dialog;
}

function openHelp() {
  dialog ??= build();
  if (!dialog.open) dialog.showModal();
  dialog.querySelector('.close').focus();
}

export function enhanceKeysHelp() {
  const button = document.querySelector('[data-keys-help]');
  if (button) {
    button.hidden = false;
    button.addEventListener('click', openHelp);
  }
  document.addEventListener('keydown', (event) => {
    if (!isPlainKey(event)) return;
    if (event.key === '?') {
      event.preventDefault();
      openHelp();
    } else if (event.key === '/' && !document.querySelector('dialog[open]')) {
      const search = document.getElementById('search-box');
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
    }
  });
}
