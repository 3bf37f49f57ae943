// The selection: the cards' checks, with Shift for a range (click or arrows), X or Space on a photo, and the
// bar's actions done in place. Without JavaScript the checks and the bar's buttons still post the form.
import { cards, cardTowards, focusCard, removeCards } from './gallery.js';
import { showVisibility } from './image-actions.js';
import { isPlainKey } from './shortcuts.js';
import { submitForJson, toast } from './util.js';
import { toastTrashed } from './trash-undo.js';

const bar = () => document.getElementById('selection');
const checkOf = (card) => card.querySelector(':scope > input[name="ids"]');
const checks = () => cards().map(checkOf).filter(Boolean);
const checked = () => checks().filter((check) => check.checked);
const isMine = (check) => Boolean(check.closest('.card')?.querySelector('.card-actions'));
const nameOf = (card) => card?.querySelector('.card-actions .delete')?.getAttribute('aria-label')?.replace(/^Delete /, '') ?? '';
const count = (n) => `${n.toLocaleString('en-US')} image${n === 1 ? '' : 's'}`;

let anchor; // the check a Shift range starts from: the last one toggled by itself

/** How many the whole list holds (the page's total), and whether that number is exact. */
function listTotal() {
  const { total, exact, max, othersOnly } = bar().querySelector('.selection-bar').dataset;
  return { total: Number(total), exact: exact === 'true', max: Number(max), othersOnly: othersOnly !== undefined };
}

/** The whole list is selected: its address goes with the form, and the server reads the list again. */
const allField = () => bar().querySelector('input[name="all"]');
const allOfList = () => allField().value !== '';
function selectList(on) {
  allField().value = on ? location.pathname + location.search : '';
  update();
}

/** The bar says how many are selected, and offers changes only when some of them are the viewer's. */
function update() {
  const form = bar();
  if (!form) return;
  const selected = checked();
  const every = selected.length > 0 && selected.length === checks().length;
  // Leaving out one photo of the page leaves out the rest of the list too.
  if (allOfList() && !every) allField().value = '';
  const { total, exact, max, othersOnly } = listTotal();
  const all = allOfList();
  const many = all ? (exact ? `All ${total.toLocaleString('en-US')}` : 'All results') : selected.length.toLocaleString('en-US');
  form.querySelector('.selection-count').textContent = `${many} selected`;
  // Of a whole list, the server tells which are the viewer's (none, on another uploader's list).
  const mine = all ? (othersOnly ? 0 : 1) : selected.filter(isMine).length;
  for (const button of form.querySelectorAll('.mine-only')) {
    button.disabled = mine === 0;
    button.title = mine === 0 ? 'None of the selected images is yours' : '';
  }
  form.querySelector('[data-select-page]').hidden = every;
  const list = form.querySelector('[data-select-list]');
  // Past the most one action takes, the server would refuse the list: it is not offered.
  list.hidden = !every || all || !(total > selected.length || !exact) || (exact && total > max);
  list.textContent = exact ? `Select all ${total.toLocaleString('en-US')}` : 'Select all results';
}

/** Checks (or unchecks) every card from the anchor to `check`, as `on`. */
function selectRange(check, on) {
  const all = checks();
  const [from, to] = [all.indexOf(anchor), all.indexOf(check)];
  if (from < 0 || to < 0) return false;
  for (const box of all.slice(Math.min(from, to), Math.max(from, to) + 1)) box.checked = on;
  return true;
}

function toggle(check, { range = false } = {}) {
  const on = !check.checked;
  if (!(range && selectRange(check, on))) check.checked = on;
  if (!range) anchor = check;
  update();
}

function clearSelection() {
  const from = anchor?.closest('.card');
  allField().value = '';
  for (const check of checked()) check.checked = false;
  anchor = undefined;
  update();
  // The bar hides: focus inside it would fall to the page, so it goes back to the grid.
  const active = document.activeElement;
  if (!active || active === document.body || bar().querySelector('.selection-bar').contains(active)) {
    focusCard(cards().includes(from) ? from : cards()[0]);
  }
}

function onClick(event) {
  const target = event.target instanceof Element ? event.target : null;
  const check = target?.closest('.card > input[name="ids"]');
  if (check) {
    // The browser has toggled it already: a Shift-click carries the same state over the range.
    if (!(event.shiftKey && anchor && selectRange(check, check.checked))) anchor = check;
    update();
    return;
  }
  // While some are selected, a click on a photo selects it rather than opening it (as photo apps do).
  // Enter on a focused photo (a click with no pointer, detail 0) still opens it.
  const link = target?.closest('.card-thumb');
  if (!link || checked().length === 0 || event.ctrlKey || event.metaKey || event.detail === 0) return;
  event.preventDefault();
  event.stopPropagation();
  toggle(checkOf(link.closest('.card')), { range: event.shiftKey && Boolean(anchor) });
}

/** Enter in the tag field adds the tag: the form's first button (the download) would take it otherwise. */
function onTagKeydown(event) {
  if (event.key !== 'Enter' || event.isComposing) return;
  event.preventDefault();
  const button = bar().querySelector('button[formaction="/selection/tag"]');
  if (!button.disabled) bar().requestSubmit(button);
}

function onKeydown(event) {
  // Enter on a check would submit the form with its first button (views/images/selection-bar.ejs).
  if (event.key === 'Enter' && event.target instanceof Element && event.target.matches('.card > input[name="ids"]')) {
    event.preventDefault();
    return;
  }
  const link = event.target instanceof Element ? event.target.closest('.card-thumb') : null;
  if (!link) return;
  const card = link.closest('.card');
  const check = checkOf(card);
  if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'a') {
    event.preventDefault();
    selectPage();
    return;
  }
  if (!isPlainKey(event) || !check) return;
  if (event.key === 'x' || event.key === 'X' || event.key === ' ') {
    event.preventDefault();
    toggle(check);
  } else if (event.shiftKey) {
    const target = cardTowards(card, event.key);
    if (!target) return;
    event.preventDefault();
    // The range runs from where it started (or from this photo) to the photo the key leads to.
    if (!anchor || !anchor.isConnected) {
      anchor = check;
      check.checked = true;
    }
    focusCard(target);
    selectRange(checkOf(target), true);
    update();
  } else if (event.key === 'Escape' && checked().length) {
    event.preventDefault();
    clearSelection();
  }
}

function selectPage() {
  for (const check of checks()) check.checked = true;
  update();
}

/** The bar's buttons: changes in place, the download by the plain form (the browser saves the zip). */
function onSubmit(event) {
  const form = event.target;
  const button = event.submitter;
  if (form !== bar() || !(button instanceof HTMLButtonElement) || !button.hasAttribute('formaction')) return;
  event.preventDefault();
  const action = new URL(button.formAction).pathname;
  button.setAttribute('aria-busy', 'true');
  button.disabled = true;
  submitForJson(form, button).then((answer) => {
    const others = answer.others ? ` ${count(answer.others)} of other people ${answer.others === 1 ? 'was' : 'were'} left as ${answer.others === 1 ? 'it was' : 'they were'}.` : '';
    if (action === '/selection/delete') {
      for (const id of answer.trashed) removeCards(id);
      toastTrashed(`Moved ${count(answer.trashed.length)} to the trash.${others}`, answer.trashed);
    } else if (action === '/selection/tag') {
      const full = answer.full.length ? ` ${count(answer.full.length)} had ${bar().querySelector('.selection-bar').dataset.maxTags} tags already.` : '';
      toast(`Tagged ${count(answer.tagged.length)} "${answer.tag}".${full}${others}`);
      form.querySelector('input[name="tag"]').value = '';
    } else {
      for (const id of answer.changed) showVisibility(id, answer.visibility, nameOf(document.querySelector(`.card[data-image-id="${id}"]`)));
      toast(`${count(answer.changed.length)} ${answer.changed.length === 1 ? 'is' : 'are'} now ${answer.visibility}.${others}`);
    }
    clearSelection();
  }).catch((err) => toast(err.message, 'error')).finally(() => {
    button.removeAttribute('aria-busy');
    update();
  });
}

export function enhanceSelection() {
  const form = bar();
  const grid = document.getElementById('gallery-grid');
  if (!form || !grid) return;
  form.querySelector('[data-select-page]').addEventListener('click', selectPage);
  form.querySelector('[data-select-list]').addEventListener('click', () => selectList(true));
  // Clear is the form's reset button: done here instead, at once, so the focus goes back to the grid
  // before the bar (hidden once nothing is checked) can drop it to the page.
  form.addEventListener('reset', (event) => {
    event.preventDefault();
    clearSelection();
  });
  form.addEventListener('submit', onSubmit);
  form.querySelector('input[name="tag"]').addEventListener('keydown', onTagKeydown);
  // In the capture phase, so a click that selects never reaches the viewer's handler.
  grid.addEventListener('click', onClick, true);
  grid.addEventListener('keydown', onKeydown);
  // Cards come and go (a further page, an upload, a delete): the count and Select all follow. While the whole
  // list is selected, the cards of a further page are part of it, so they come checked.
  new MutationObserver((changes) => {
    if (allOfList()) {
      for (const node of changes.flatMap((change) => [...change.addedNodes])) {
        const check = node instanceof Element && node.matches('.card') ? checkOf(node) : null;
        if (check) check.checked = true;
      }
    }
    update();
  }).observe(grid, { childList: true });
  update();
}
