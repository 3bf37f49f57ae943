// The header's Upload button (and the empty state's) open the upload dialog instead of going to /upload.

function openDialog(dialog, opener) {
  if (dialog.open) return;
  dialog.showModal();
  dialog.dispatchEvent(new Event('upload-dialog-open'));
  dialog.addEventListener('close', () => {
    // The empty state's button is gone once the first cards arrive: the newest card takes focus instead.
    const target = opener.isConnected && !opener.hidden ? opener : document.querySelector('#gallery-grid .card-thumb') ?? document.getElementById('main');
    target?.focus();
  }, { once: true });
}

export function enhanceUploadDialog() {
  const dialog = document.getElementById('upload-dialog');
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const opener = target?.closest('[data-open-upload]');
    if (opener && dialog && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      openDialog(dialog, opener);
      return;
    }
    target?.closest('[data-close-dialog]')?.closest('dialog')?.close();
  });
  // A click on the backdrop (the dialog element itself, outside its content) closes it, unless files are on their way.
  dialog?.addEventListener('click', (event) => {
    if (event.target === dialog && !dialog.querySelector('form[aria-busy="true"]')) dialog.close();
  });
}
