// In a real browser: visibility and delete act in place, privacy holds for another user, downloads are byte-exact, sessions expire.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fileFrom, launchBrowser, newContext, registerThroughForm, startApp, type RunningApp } from '../helpers/browser.js';
import { photosDir } from '../helpers/fixtures.js';
import { SESSION_LIFETIME_MS } from '../../src/web/session.js';

const photos = ['skimage_rocket.jpg', 'coral_sunflower.png', 'skimage_motorcycle_left.png'].map((p) => path.join(photosDir, p));

let app: RunningApp;
let browser: Browser;
let owner: Page; // uploads and changes the images
let other: Page; // another user, in a context of their own
const ids = new Map<string, string>();

const card = (page: Page, name: string) => page.locator(`#gallery-grid .card[data-image-id="${ids.get(name)}"]`);
const cardOf = (page: Page, id: string) => page.locator(`#gallery-grid .card[data-image-id="${id}"]`);
const markPage = (page: Page) => page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
const stayedOnPage = (page: Page) => page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed === true);

async function uploadThroughDialog(page: Page, files: string[]) {
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Upload' }).click();
  const dialog = page.locator('#upload-dialog');
  await dialog.getByLabel('Public: everyone signed in').check(); // a new account starts with private
  await dialog.locator('input[type=file]').setInputFiles(files.map(fileFrom));
  await dialog.getByRole('button', { name: /^Upload/ }).click();
  await dialog.getByRole('button', { name: 'Done' }).click({ timeout: 30_000 });
  const { images } = await (await page.request.get('/', { headers: { Accept: 'application/json' } })).json();
  for (const image of images) ids.set(image.originalName, image.id);
}

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  const [ownerContext, otherContext] = await Promise.all([newContext(browser, app), newContext(browser, app)]);
  [owner, other] = await Promise.all([ownerContext.newPage(), otherContext.newPage()]);
  await registerThroughForm(owner, 'owner');
  await registerThroughForm(other, 'other');
  await uploadThroughDialog(owner, photos);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('drop zone', () => {
  it('when files are dropped on the upload dialog, then they are listed with sizes and × takes one out again', async () => {
    await owner.goto('/');
    await owner.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Upload' }).click();
    const dialog = owner.locator('#upload-dialog');
    const transfer = await owner.evaluateHandle(() => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(3000)], 'first.png', { type: 'image/png' }));
      data.items.add(new File([new Uint8Array(5000)], 'second.jpg', { type: 'image/jpeg' }));
      return data;
    });
    await dialog.locator('.dropzone').dispatchEvent('dragenter', { dataTransfer: transfer });
    await expect(dialog.locator('.dropzone').getAttribute('class')).resolves.toContain('is-dragover');
    await dialog.locator('.dropzone').dispatchEvent('drop', { dataTransfer: transfer });
    await expect(dialog.locator('.file-item .name').allInnerTexts()).resolves.toEqual(['first.png', 'second.jpg']);
    await expect(dialog.locator('.file-summary').innerText()).resolves.toBe('2 files chosen, 8 KB in all.');
    await expect(dialog.locator('input[type=file]').evaluate((input: HTMLInputElement) => input.files?.length)).resolves.toBe(2);

    await dialog.getByRole('button', { name: 'Remove first.png' }).click();
    await expect(dialog.locator('.file-item .name').allInnerTexts()).resolves.toEqual(['second.jpg']);
    await owner.keyboard.press('Escape');
    await expect(dialog.isVisible()).resolves.toBe(false);
  });
});

describe('visibility', () => {
  it('when the owner makes an image private, then the card changes in place and the other user can no longer see or fetch it', async () => {
    const id = ids.get('coral_sunflower.png')!;
    await other.goto('/');
    await expect(cardOf(other, id).count()).resolves.toBe(1);
    expect((await other.request.get(`/images/${id}/file`)).status()).toBe(200);

    await owner.goto('/');
    await markPage(owner);
    const sunflower = card(owner, 'coral_sunflower.png');
    await sunflower.getByRole('button', { name: 'Make coral_sunflower.png private' }).click();
    await sunflower.locator('.badge-private').waitFor();
    await expect(sunflower.getByRole('img', { name: 'private' }).count()).resolves.toBe(1);
    await expect(sunflower.getByRole('button', { name: 'Make coral_sunflower.png public' }).count()).resolves.toBe(1);
    await expect(owner.locator('#toasts').innerText()).resolves.toContain('"coral_sunflower.png" is now private.');
    expect(await stayedOnPage(owner)).toBe(true);

    await other.reload();
    await expect(cardOf(other, id).count()).resolves.toBe(0);
    await expect(other.locator('#gallery-grid .card').count()).resolves.toBe(2);
    for (const suffix of ['', '/file', '/thumb', '/download']) {
      expect((await other.request.get(`/images/${id}${suffix}`)).status(), suffix).toBe(404);
    }
    await other.goto(`/images/${id}/file`);
    await expect(other.locator('h1').innerText()).resolves.toContain('404');
  });

  it('when the owner makes it public again, then the other user sees it again', async () => {
    const sunflower = card(owner, 'coral_sunflower.png');
    await sunflower.getByRole('button', { name: 'Make coral_sunflower.png public' }).click();
    await sunflower.locator('.badge-private').waitFor({ state: 'detached' });
    await expect(sunflower.getByRole('button', { name: 'Make coral_sunflower.png private' }).count()).resolves.toBe(1);
    await other.goto('/');
    await expect(cardOf(other, ids.get('coral_sunflower.png')!).count()).resolves.toBe(1);
    // The other user gets no switch and no delete on someone else's image, in the grid or in the viewer.
    await expect(cardOf(other, ids.get('coral_sunflower.png')!).locator('button').count()).resolves.toBe(0);
    await cardOf(other, ids.get('coral_sunflower.png')!).locator('.card-thumb').click();
    const box = other.locator('dialog.lightbox');
    await box.locator('.details h1', { hasText: 'coral_sunflower.png' }).waitFor();
    await expect(box.locator('.details button[name="visibility"], .details button.delete').count()).resolves.toBe(0);
    await other.keyboard.press('Escape');
  });
});

describe('download', () => {
  it('when the viewer\'s download button is used, then the saved file has the original name and the very bytes uploaded', async () => {
    await card(owner, 'skimage_rocket.jpg').locator('.card-thumb').click();
    const box = owner.locator('dialog.lightbox');
    await box.locator('.details h1', { hasText: 'skimage_rocket.jpg' }).waitFor();
    const [download] = await Promise.all([
      owner.waitForEvent('download'),
      box.getByRole('link', { name: 'Download' }).click(),
    ]);
    await owner.keyboard.press('Escape');
    expect(download.suggestedFilename()).toBe('skimage_rocket.jpg');
    const saved = await readFile((await download.path())!);
    expect(saved.equals(await readFile(photos[0]))).toBe(true);
  });
});

describe('delete', () => {
  it('when the owner deletes, then no question is asked, the card goes in place, a toast offers Undo, and the image is gone for everyone', async () => {
    await markPage(owner);
    const gridOrder = () => owner.locator('#gallery-grid .card').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.imageId));
    const orderBefore = await gridOrder();
    let asked = '';
    owner.once('dialog', (dialog) => void ((asked = dialog.message()), dialog.dismiss()));
    await card(owner, 'skimage_motorcycle_left.png').getByRole('button', { name: 'Delete skimage_motorcycle_left.png' }).click();
    await card(owner, 'skimage_motorcycle_left.png').waitFor({ state: 'detached' });
    expect(asked).toBe('');
    await expect(owner.locator('.count').innerText()).resolves.toBe('2 images');
    const toast = owner.locator('#toasts .toast-undo');
    await expect(toast.locator('span').innerText()).resolves.toBe('Moved "skimage_motorcycle_left.png" to the trash.');
    await expect(toast.getByRole('button', { name: 'Undo' }).isVisible()).resolves.toBe(true);
    expect(await stayedOnPage(owner)).toBe(true);
    expect((await owner.request.get(`/images/${ids.get('skimage_motorcycle_left.png')}/file`)).status()).toBe(404);
    await other.goto('/');
    await expect(other.locator('#gallery-grid .card').count()).resolves.toBe(2);

    // Undo within the ten seconds: back in its place, for the owner and for others, without a reload.
    await toast.getByRole('button', { name: 'Undo' }).click();
    await owner.locator('.toast', { hasText: 'Restored.' }).waitFor();
    await expect(gridOrder()).resolves.toEqual(orderBefore);
    await expect(owner.locator('.count').innerText()).resolves.toBe('3 images');
    expect(await stayedOnPage(owner)).toBe(true);
    await other.goto('/');
    await expect(other.locator('#gallery-grid .card').count()).resolves.toBe(3);
  });

  it('when a deleted image is restored from the trash page, then it is back in the gallery', async () => {
    await card(owner, 'skimage_motorcycle_left.png').getByRole('button', { name: 'Delete skimage_motorcycle_left.png' }).click();
    await card(owner, 'skimage_motorcycle_left.png').waitFor({ state: 'detached' });
    await owner.getByRole('navigation', { name: 'Show' }).getByRole('link', { name: 'Trash' }).click();
    await owner.waitForURL(/\/trash$/);
    const item = owner.locator('.trashed', { hasText: 'skimage_motorcycle_left.png' });
    await expect(item.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).resolves.toBe(true);
    await expect(item.locator('.trashed-when').innerText()).resolves.toMatch(/^Deleted for good on \d{4}-\d{2}-\d{2}$/);
    await item.getByRole('button', { name: 'Restore skimage_motorcycle_left.png' }).click();
    await expect(owner.locator('.flash').innerText()).resolves.toBe('Restored "skimage_motorcycle_left.png".');
    await expect(owner.getByRole('heading', { name: 'The trash is empty' }).isVisible()).resolves.toBe(true);
    await owner.goto('/');
    await expect(card(owner, 'skimage_motorcycle_left.png').count()).resolves.toBe(1);
  });

  it('when an image is deleted from the viewer, then its card goes and the viewer shows the photo beside it', async () => {
    // The photo after it in the grid, or before it when it is the last. The three were uploaded in one batch,
    // whose rows are inserted in the order their files were ready: the grid's order is read, not assumed.
    const order = await owner.locator('#gallery-grid .card').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.imageId));
    expect(order).toHaveLength(3);
    const at = order.indexOf(ids.get('coral_sunflower.png'));
    const beside = [...ids].find(([, id]) => id === (order[at + 1] ?? order[at - 1]))![0];
    await card(owner, 'coral_sunflower.png').locator('.card-thumb').click();
    const box = owner.locator('dialog.lightbox');
    await box.locator('.details h1', { hasText: 'coral_sunflower.png' }).waitFor();
    await box.getByRole('button', { name: 'Delete', exact: true }).click();
    await card(owner, 'coral_sunflower.png').waitFor({ state: 'detached' });
    await box.locator('.details h1', { hasText: beside }).waitFor();
    await expect(box.isVisible()).resolves.toBe(true);
    expect(await owner.evaluate(() => document.activeElement?.closest('dialog.lightbox') !== null)).toBe(true);
    // The Undo is in the viewer, above it and usable (the page's own toasts are under the modal).
    await markPage(owner);
    const undo = box.locator('.toast-undo').getByRole('button', { name: 'Undo' });
    await undo.click();
    await box.locator('.toast', { hasText: 'Restored.' }).waitFor();
    // Back in the grid where it was, and the viewer stays where it is.
    await expect(owner.locator('#gallery-grid .card').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.imageId))).resolves.toEqual(order);
    await expect(box.isVisible()).resolves.toBe(true);
    expect(await stayedOnPage(owner)).toBe(true);
  });
});

describe('session expiry', () => {
  it('when the session has expired, then an in-place action asks for the password (or leads to the login page) and the next page leads there with a notice', async () => {
    await owner.goto('/');
    app.clock.advance(SESSION_LIFETIME_MS);
    // An in-place action first: its JSON answer is 401, and the script asks for the password in place; the
    // user would rather log in on the login page (session-end.test.ts types the password).
    await card(owner, 'skimage_rocket.jpg').locator('button[name="visibility"]').click();
    await Promise.all([
      owner.waitForURL(/\/login\?/),
      owner.locator('#session-dialog').getByRole('button', { name: 'Go to the login page' }).click(),
    ]);
    expect(new URL(owner.url()).searchParams.get('next')).toBe('/');
    await expect(owner.locator('.notice').innerText()).resolves.toBe('Your session expired. Please log in again.');
    // Other user's session started at the same clock time: a plain page load also goes to the login page.
    await other.goto('/?page=1');
    expect(new URL(other.url()).pathname).toBe('/login');
    expect(new URL(other.url()).searchParams.get('next')).toBe('/?page=1');
    await expect(other.getByText('Your session expired. Please log in again.').isVisible()).resolves.toBe(true);
  });
});
