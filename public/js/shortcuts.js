// The keys of the grid and the viewer, in one place: they act on one image's own buttons, and the ? overlay lists them.

/** What the ? overlay shows, in its order. */
export const SHORTCUTS = [
  { keys: ['←', '→', '↑', '↓'], what: 'Move between photos (in the grid) or to the previous and next photo (in the viewer)' },
  { keys: ['Home', 'End'], what: 'First or last photo of the grid' },
  { keys: ['Enter'], what: 'Open the photo in the viewer' },
  { keys: ['X', 'Space'], what: 'Select the photo, or leave it out (in the grid)' },
  { keys: ['Shift', '←', '→', '↑', '↓'], what: 'Select the photos on the way' },
  { keys: ['Ctrl', 'A'], what: 'Select every photo of the page' },
  { keys: ['Esc'], what: 'Close the viewer or this list, or clear the selection' },
  { keys: ['D'], what: 'Download the original' },
  { keys: ['P'], what: 'Make your photo private or public' },
  { keys: ['Delete', '#'], what: 'Delete your photo (asks first)' },
  { keys: ['+', '−', '0'], what: 'Zoom in, out, back to fit (in the viewer)' },
  { keys: ['F'], what: 'Full screen (in the viewer)' },
  { keys: ['/'], what: 'Go to the search box' },
  { keys: ['?'], what: 'Show this list' },
];

/** A key meant for the page, not typed into a field nor part of a browser or system shortcut. */
export function isPlainKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return false;
  const target = event.target;
  return !(target instanceof Element && target.closest('input, textarea, select, [contenteditable="true"]'));
}

function download(id) {
  const link = document.createElement('a');
  link.href = `/images/${id}/download`;
  link.download = '';
  document.body.append(link);
  link.click();
  link.remove();
}

/** D, P, Delete and # on one image: `scope` holds its buttons (a grid card or the viewer's details). */
export function imageShortcut(event, scope, id) {
  const key = event.key;
  if (key === 'd' || key === 'D') {
    download(id);
    return true;
  }
  const button = key === 'p' || key === 'P'
    ? scope?.querySelector('button[name="visibility"]')
    : key === 'Delete' || key === '#' ? scope?.querySelector('button.delete') : null;
  if (!button || button.disabled) return false;
  button.click();
  return true;
}
