// In a real browser: selecting many photos by mouse, Shift and keyboard, and acting on them from the bar (in
// place with JavaScript, through the form and a confirmation page without it).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fileFrom, launchBrowser, newContext, registerThroughForm, startApp, type RunningApp } from '../helpers/browser.js';
import { photosDir } from '../helpers/fixtures.js';
import { zipEntries } from '../helpers/served.js';
import { createImagesRepo } from '../../src/images/images-repo.js';
import { PAGE_SIZE } from '../../src/images/pagination.js';

const OWN = ['coral_bird.png', 'coral_cat.png', 'coral_dragonfly.png', 'coral_hot_dog.png', 'coral_parrot.png', 'skimage_coffee.png'];

let app: RunningApp;
let browser: Browser;
let owner: Page;
let other: Page;

/** Uploads through the JSON API, one file per request, so the gallery's order is the upload order reversed. */
async function uploadAs(page: Page, names: string[], visibility = 'public'): Promise<string[]> {
  await page.goto('/');
  const token = await page.locator('meta[name="csrf-token"]').getAttribute('content');
  const ids: string[] = [];
  for (const name of names) {
    const res = await page.request.post('/images', {
      headers: { Accept: 'application/json', 'X-CSRF-Token': token! },
      multipart: { visibility, duplicates: 'keep', images: fileFrom(path.join(photosDir, name)) },
    });
    expect(res.status()).toBe(200);
    ids.push((await res.json()).results[0].image.id);
  }
  return ids;
}

const grid = (page: Page) => page.locator('#gallery-grid');
const checkOf = (page: Page, id: string) => page.locator(`#gallery-grid .card[data-image-id="${id}"] > input[type=checkbox]`);
const bar = (page: Page) => page.locator('#selection .selection-bar');
const gridIds = (page: Page) => page.locator('#gallery-grid .card').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.imageId));
const selectedIds = (page: Page) => page.locator('#gallery-grid .card > input:checked').evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value));
/** The toast with this text once it shows (an earlier one may still be on screen). */
const toastSaying = async (page: Page, text: string) => {
  const toast = page.locator('.toast', { hasText: text }).last();
  await toast.waitFor();
  return toast.innerText();
};
const visibilityOf = async (page: Page, id: string) => (await (await page.request.get(`/images/${id}`, { headers: { Accept: 'application/json' } })).json()).image.visibility;

let own: string[]; // newest first, as the gallery shows them
let others: string[];

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  const [a, b] = await Promise.all([newContext(browser, app), newContext(browser, app)]);
  [owner, other] = await Promise.all([a.newPage(), b.newPage()]);
  await registerThroughForm(owner, 'picker');
  await registerThroughForm(other, 'neighbour');
  others = (await uploadAs(other, ['skimage_chelsea.png'])).reverse();
  own = (await uploadAs(owner, OWN)).reverse();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('selecting photos', () => {
  it('when the pointer rests on a photo, then its check shows, and checking one brings the bar with the count', async () => {
    await owner.goto('/');
    const check = checkOf(owner, own[0]);
    await expect(check.evaluate((el) => getComputedStyle(el).opacity)).resolves.toBe('0');
    await expect(bar(owner).isVisible()).resolves.toBe(false);
    await owner.locator(`.card[data-image-id="${own[0]}"]`).hover();
    await expect.poll(() => check.evaluate((el) => getComputedStyle(el).opacity)).toBe('1');
    await check.click();
    await expect(bar(owner).isVisible()).resolves.toBe(true);
    await expect(bar(owner).locator('.selection-count').innerText()).resolves.toBe('1 selected');
    // Once one is checked, every card shows its check.
    await expect.poll(() => checkOf(owner, own[3]).evaluate((el) => getComputedStyle(el).opacity)).toBe('1');
  });

  it('when another check is Shift-clicked, then every photo between is selected; a click on a photo then selects it instead of opening it', async () => {
    await owner.goto('/');
    await checkOf(owner, own[1]).click({ force: true });
    await checkOf(owner, own[3]).click({ modifiers: ['Shift'] });
    await expect(selectedIds(owner)).resolves.toEqual(own.slice(1, 4));
    await owner.locator(`.card[data-image-id="${own[5]}"] .card-thumb`).click();
    await expect(owner.locator('dialog[open]').count()).resolves.toBe(0);
    await expect(selectedIds(owner)).resolves.toEqual([...own.slice(1, 4), own[5]]);
    await expect(bar(owner).locator('.selection-count').innerText()).resolves.toBe('4 selected');
    // Enter on a photo still opens it.
    await owner.locator(`.card[data-image-id="${own[0]}"] .card-thumb`).focus();
    await owner.keyboard.press('Enter');
    await owner.locator('dialog[open]').waitFor();
    await owner.keyboard.press('Escape');
    await expect.poll(() => owner.locator('dialog[open]').count()).toBe(0);
    await bar(owner).getByRole('button', { name: 'Clear the selection' }).click();
    await expect.poll(() => selectedIds(owner)).toEqual([]);
    await expect(bar(owner).isVisible()).resolves.toBe(false);
    // The bar is gone, so the focus is back in the grid, not lost to the page.
    await expect(owner.evaluate(() => Boolean(document.activeElement?.closest('#gallery-grid')))).resolves.toBe(true);
  });

  it('when the keyboard is used, then X selects the focused photo, Shift+arrows select on the way, Ctrl+A the page, and Esc clears', async () => {
    await owner.goto('/');
    await owner.locator(`.card[data-image-id="${own[0]}"] .card-thumb`).focus();
    await owner.keyboard.press('x');
    await expect(selectedIds(owner)).resolves.toEqual([own[0]]);
    await owner.keyboard.press('Shift+ArrowRight');
    await owner.keyboard.press('Shift+ArrowRight');
    await expect(selectedIds(owner)).resolves.toEqual(own.slice(0, 3));
    await expect(owner.evaluate(() => document.activeElement?.closest('.card')?.getAttribute('data-image-id'))).resolves.toBe(own[2]);
    await owner.keyboard.press('Space');
    await expect(selectedIds(owner)).resolves.toEqual(own.slice(0, 2));
    // A photo's own keys wait while photos are selected: P changes nothing.
    await owner.keyboard.press('p');
    await expect(visibilityOf(owner, own[2])).resolves.toBe('public');
    await owner.keyboard.press('Escape');
    await expect(selectedIds(owner)).resolves.toEqual([]);
    await owner.keyboard.press('Control+a');
    await expect(selectedIds(owner)).resolves.toEqual([...own, ...others]);
    await owner.keyboard.press('Escape');
  });

  it('when only another user\'s photo is selected, then the bar offers its download alone', async () => {
    await owner.goto('/');
    await checkOf(owner, others[0]).click({ force: true });
    for (const name of ['Make public', 'Make private', 'Delete']) {
      await expect(bar(owner).getByRole('button', { name, exact: true }).isDisabled()).resolves.toBe(true);
    }
    await expect(bar(owner).getByRole('button', { name: 'Download' }).isEnabled()).resolves.toBe(true);
  });
});

describe('acting on a selection', () => {
  it('when a selection is made private from the bar, then its cards show the lock at once, the other user no longer sees them, and the selection clears', async () => {
    await owner.goto('/');
    for (const id of own.slice(0, 2)) await checkOf(owner, id).click({ force: true });
    // Enter on a check submits nothing (it would send the form with its first button).
    await checkOf(owner, own[1]).press('Enter');
    await expect(visibilityOf(owner, own[0])).resolves.toBe('public');
    await bar(owner).getByRole('button', { name: 'Make private' }).click();
    await expect(toastSaying(owner, '2 images are now private.')).resolves.toBe('2 images are now private.');
    for (const id of own.slice(0, 2)) {
      await expect(owner.locator(`.card[data-image-id="${id}"] .badge-private`).count()).resolves.toBe(1);
      await expect(visibilityOf(owner, id)).resolves.toBe('private');
    }
    await expect(selectedIds(owner)).resolves.toEqual([]);
    await other.goto('/');
    await expect(grid(other).locator(`.card[data-image-id="${own[0]}"]`).count()).resolves.toBe(0);
    // And back, with another user's photo in the selection: it is left as it is.
    for (const id of [...own.slice(0, 2), others[0]]) await checkOf(owner, id).click({ force: true });
    await bar(owner).getByRole('button', { name: 'Make public' }).click();
    await expect(toastSaying(owner, '2 images are now public. 1 image of other people was left as it was.')).resolves.toBe('2 images are now public. 1 image of other people was left as it was.');
    await expect(owner.locator(`.card[data-image-id="${own[0]}"] .badge-private`).count()).resolves.toBe(0);
  });

  it('when a selection is downloaded, then the browser saves one zip with the originals under their names', async () => {
    await owner.goto('/');
    for (const id of [own[0], own[1], others[0]]) await checkOf(owner, id).click({ force: true });
    const [download] = await Promise.all([owner.waitForEvent('download'), bar(owner).getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^image-repo-\d{4}-\d{2}-\d{2}\.zip$/);
    const entries = await zipEntries(await readFile((await download.path())!));
    expect(entries.map((e) => e.name)).toEqual([OWN[5], OWN[4], 'skimage_chelsea.png']);
    expect(Buffer.compare(entries[0].bytes, await readFile(path.join(photosDir, OWN[5])))).toBe(0);
    expect(Buffer.compare(entries[1].bytes, await readFile(path.join(photosDir, OWN[4])))).toBe(0);
    expect(entries[2].bytes.length).toBeGreaterThan(1000);
  });

  it('when a selection is deleted, then no question is asked, its cards go, the count follows, the images are gone, and Undo is offered', async () => {
    await owner.goto('/');
    const before = Number(await owner.locator('.count').getAttribute('data-count'));
    const gridBefore = await gridIds(owner);
    for (const id of own.slice(4, 6)) await checkOf(owner, id).click({ force: true });
    let asked = '';
    owner.once('dialog', (dialog) => void ((asked = dialog.message()), dialog.dismiss()));
    await bar(owner).getByRole('button', { name: 'Delete' }).click();
    await expect(toastSaying(owner, 'Moved 2 images to the trash.')).resolves.toBe('Moved 2 images to the trash.\nUndo');
    expect(asked).toBe('');
    await expect.poll(() => owner.locator(`.card[data-image-id="${own[4]}"]`).count()).toBe(0);
    await expect(owner.locator('.count').innerText()).resolves.toBe(`${before - 2} images`);
    const res = await owner.request.get(`/images/${own[4]}`, { headers: { Accept: 'application/json' } });
    expect(res.status()).toBe(404);
    // Undo puts both back where they were, in place, and the count with them.
    await owner.locator('.toast-undo').last().getByRole('button', { name: 'Undo' }).click();
    await toastSaying(owner, 'Restored 2 images.');
    await expect(gridIds(owner)).resolves.toEqual(gridBefore);
    await expect(owner.locator('.count').innerText()).resolves.toBe(`${before} images`);
    // Gone again, for the tests after this one.
    const token = await owner.locator('meta[name="csrf-token"]').getAttribute('content');
    const again = await owner.request.post('/selection/delete', { headers: { Accept: 'application/json', 'X-CSRF-Token': token! }, data: { ids: own.slice(4, 6) } });
    expect(again.status()).toBe(200);
  });
});

describe('selecting a whole list', () => {
  it('when every photo of the page is selected and the list holds more, then the bar offers all of them, and one action takes them all', async () => {
    const context = await newContext(browser, app);
    const page = await context.newPage();
    await registerThroughForm(page, 'hoarder');
    const [{ id: ownerId }] = await app.rows<{ id: number }>`SELECT id FROM users WHERE username = 'hoarder'`;
    const repo = createImagesRepo(app.db);
    for (let i = 0; i < PAGE_SIZE + 2; i++) {
      await repo.insert({ id: crypto.randomUUID(), visibility: 'public', originalName: `h${i}.jpg`, format: 'jpeg', bytes: 100, width: 40, height: 30, colourName: 'red', colourHex: '#cc0000', createdAt: Date.UTC(2026, 0, 1) + i }, { id: Number(ownerId), username: 'hoarder' }, []);
    }
    await page.goto('/?show=mine');
    await page.locator('#gallery-grid .card-thumb').first().focus();
    await page.keyboard.press('Control+a');
    const list = bar(page).locator('[data-select-list]');
    await expect(list.innerText()).resolves.toBe(`Select all ${PAGE_SIZE + 2}`);
    await list.click();
    await expect(bar(page).locator('.selection-count').innerText()).resolves.toBe(`All ${PAGE_SIZE + 2} selected`);
    // Leaving one out leaves the rest of the list out too.
    await page.locator('#gallery-grid .card > input').first().click();
    await expect(bar(page).locator('.selection-count').innerText()).resolves.toBe(`${PAGE_SIZE - 1} selected`);
    await page.locator('#gallery-grid .card > input').first().click();
    await list.click();
    // The next page, which the viewer adds on its way past the last photo, is part of the list: its photos come checked.
    await page.locator('#gallery-grid .card-thumb').last().focus();
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('#gallery-grid .card').count(), { timeout: 20_000 }).toBe(PAGE_SIZE + 2);
    await expect.poll(() => selectedIds(page).then((ids) => ids.length)).toBe(PAGE_SIZE + 2);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
    await expect(bar(page).locator('.selection-count').innerText()).resolves.toBe(`All ${PAGE_SIZE + 2} selected`);
    await bar(page).getByRole('button', { name: 'Make private' }).click();
    await expect(toastSaying(page, `${PAGE_SIZE + 2} images are now private.`)).resolves.toBe(`${PAGE_SIZE + 2} images are now private.`);
    const mine = await (await page.request.get('/?show=private', { headers: { Accept: 'application/json' } })).json();
    expect(mine.total).toBe(PAGE_SIZE + 2);
    await context.close();
  });
});

describe('without JavaScript', () => {
  it('when photos are checked, then the bar shows by itself; a change posts and comes back, and a delete asks on a page first', async () => {
    const context = await newContext(browser, app, { javaScriptEnabled: false });
    const page = await context.newPage();
    await registerThroughForm(page, 'nojs');
    const token = await page.locator('meta[name="csrf-token"]').getAttribute('content');
    const ids: string[] = [];
    for (const name of OWN.slice(0, 3)) {
      const res = await page.request.post('/images', { headers: { Accept: 'application/json', 'X-CSRF-Token': token! }, multipart: { visibility: 'public', duplicates: 'keep', images: fileFrom(path.join(photosDir, name)) } });
      ids.push((await res.json()).results[0].image.id);
    }
    await page.goto('/?show=mine');
    await expect(bar(page).isVisible()).resolves.toBe(false);
    for (const id of ids.slice(0, 2)) await checkOf(page, id).check({ force: true });
    await expect(bar(page).isVisible()).resolves.toBe(true);
    await bar(page).getByRole('button', { name: 'Make private' }).click();
    await page.waitForURL((url) => url.search === '?show=mine');
    await expect(page.locator('.flash').innerText()).resolves.toContain('2 images are now private.');

    for (const id of ids.slice(0, 2)) await checkOf(page, id).check({ force: true });
    await bar(page).getByRole('button', { name: 'Delete' }).click();
    await expect(page.locator('h1').innerText()).resolves.toBe('Move 2 images to the trash?');
    await page.getByRole('button', { name: 'Move to the trash' }).click();
    await page.waitForURL((url) => url.search === '?show=mine');
    await expect(page.locator('.flash').innerText()).resolves.toContain('Moved 2 images to the trash.');
    await expect(page.locator('#gallery-grid .card').count()).resolves.toBe(1);
    await context.close();
  });
});

