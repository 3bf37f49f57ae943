// In a real browser: the owner corrects a photo in the viewer (adds a tag with Enter, removes a label and puts
// it back, renames the colour), tags a selection from the bar, and does the same without JavaScript.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fileFrom, launchBrowser, logInThroughForm, newContext, registerThroughForm, startApp, type RunningApp } from '../helpers/browser.js';
import { photosDir } from '../helpers/fixtures.js';

const PHOTOS = ['coral_bird.png', 'coral_cat.png', 'coral_parrot.png'];

let app: RunningApp;
let browser: Browser;
let owner: Page;
let other: Page;
let ids: string[]; // the gallery's order: newest first

async function uploadAs(page: Page, names: string[]): Promise<string[]> {
  await page.goto('/');
  const token = await page.locator('meta[name="csrf-token"]').getAttribute('content');
  const made: string[] = [];
  for (const name of names) {
    const res = await page.request.post('/images', {
      headers: { Accept: 'application/json', 'X-CSRF-Token': token! },
      multipart: { visibility: 'public', duplicates: 'keep', images: fileFrom(path.join(photosDir, name)) },
    });
    expect(res.status()).toBe(200);
    made.push((await res.json()).results[0].image.id);
  }
  return made.reverse();
}

const imageJson = async (page: Page, id: string) => (await (await page.request.get(`/images/${id}`, { headers: { Accept: 'application/json' } })).json()).image;
const searchIds = async (page: Page, q: string) =>
  ((await (await page.request.get(`/search?q=${encodeURIComponent(q)}`, { headers: { Accept: 'application/json' } })).json()).images as { id: string }[]).map((i) => i.id);
const viewer = (page: Page) => page.locator('dialog.lightbox');
const toastSaying = (page: Page, text: string) => page.locator('.toast', { hasText: text }).last().waitFor({ timeout: 15_000 });

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  const [a, b] = await Promise.all([newContext(browser, app), newContext(browser, app)]);
  [owner, other] = await Promise.all([a.newPage(), b.newPage()]);
  await registerThroughForm(owner, 'corrector');
  await registerThroughForm(other, 'onlooker');
  ids = await uploadAs(owner, PHOTOS);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('correcting a photo in the viewer', () => {
  it('when the owner types a tag and presses Enter, then it shows among their tags at once, the field keeps the focus, and search finds the photo by it', async () => {
    await owner.goto('/');
    await owner.locator(`.card[data-image-id="${ids[0]}"] .card-thumb`).click();
    const field = viewer(owner).getByRole('textbox', { name: 'Add a tag' });
    await field.fill('Grandma Rose');
    await field.press('Enter');
    await toastSaying(owner, 'Tagged "grandma rose".');
    await viewer(owner).locator('.own-tags .tag.own', { hasText: 'grandma rose' }).waitFor();
    await expect.poll(() => owner.evaluate(() => (document.activeElement as HTMLInputElement | null)?.getAttribute('aria-label'))).toBe('Add a tag');
    await expect(field.inputValue()).resolves.toBe('');
    // Still the viewer, on the same photo: nothing reloaded.
    await expect(viewer(owner).isVisible()).resolves.toBe(true);
    expect(await searchIds(other, 'grandma rose')).toEqual([ids[0]]);
    // In the results, the card says it matched the owner's own tag.
    await owner.goto('/search?q=grandma+rose');
    await expect(owner.locator(`.card[data-image-id="${ids[0]}"] .why .hit.own`).innerText()).resolves.toBe('grandma rose');
  });

  it('when the owner removes a label with its ×, then it leaves the list for "Removed by you", search stops finding it, and Put back brings it back', async () => {
    await owner.goto('/');
    await owner.locator(`.card[data-image-id="${ids[1]}"] .card-thumb`).click();
    const labels = viewer(owner).locator('.labels li');
    await labels.first().waitFor();
    const { labels: before } = await imageJson(owner, ids[1]);
    const first = before[0].name as string;
    const term = first.split(',')[0];
    await labels.first().hover();
    await viewer(owner).getByRole('button', { name: `Remove the label ${term}` }).click();
    await toastSaying(owner, `Removed the label "${term}"`);
    await viewer(owner).locator('.removed-labels', { hasText: term }).waitFor();
    // The focus is on what undoes it, so Enter puts it back.
    await expect.poll(() => owner.evaluate(() => document.activeElement?.textContent)).toBe('Put back');
    await expect(viewer(owner).locator('.labels li').count()).resolves.toBe(before.length - 1);
    expect((await imageJson(owner, ids[1])).labels.map((l: { name: string }) => l.name)).not.toContain(first);
    expect(await searchIds(other, term)).not.toContain(ids[1]);

    await owner.keyboard.press('Enter');
    await toastSaying(owner, `Put the label "${term}" back.`);
    await expect.poll(() => viewer(owner).locator('.labels li').count()).toBe(before.length);
    await expect.poll(() => owner.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`Remove the label ${term}`);
    expect(await searchIds(other, term)).toContain(ids[1]);
  });

  it('when the owner renames the colour, then the colour tag says the new name, marked as theirs', async () => {
    await owner.goto(`/images/${ids[2]}`);
    await owner.getByText('Rename the colour').click();
    await owner.getByLabel('The colour\'s name').selectOption('pink');
    await owner.getByRole('button', { name: 'Save' }).click();
    await toastSaying(owner, 'The colour is now "pink".');
    await expect(owner.locator('.details .tag.colour.own .tag-text').innerText()).resolves.toMatch(/^pink #[0-9a-f]{6}$/);
    expect(await searchIds(other, 'pink')).toEqual([ids[2]]);
  });

  it('when another user views the photo, then they see the owner\'s tags but no control to change them', async () => {
    await other.goto(`/images/${ids[0]}`);
    await expect(other.locator('.details h2', { hasText: 'Tags by corrector' }).count()).resolves.toBe(1);
    await expect(other.locator('.details .own-tags .tag').innerText()).resolves.toBe('grandma rose');
    await expect(other.locator('.details .remove, .details form.correct').count()).resolves.toBe(0);
  });
});

describe('a tag for a selection', () => {
  it('when two photos are checked and a tag is typed in the bar with Enter, then both get it in one action, the bar clears, and nothing downloads', async () => {
    await owner.goto('/');
    for (const id of ids.slice(1)) {
      await owner.locator(`.card[data-image-id="${id}"]`).hover();
      await owner.locator(`.card[data-image-id="${id}"] > input[type=checkbox]`).check();
    }
    let downloaded = false;
    owner.once('download', () => { downloaded = true; });
    const field = owner.getByRole('textbox', { name: 'A tag for the selected images' });
    await field.fill('Holiday');
    await field.press('Enter');
    await toastSaying(owner, 'Tagged 2 images "holiday".');
    await expect.poll(() => owner.locator('#gallery-grid .card > input:checked').count()).toBe(0);
    expect(downloaded).toBe(false);
    expect((await searchIds(other, 'holiday')).sort()).toEqual(ids.slice(1).sort());
  });
});

describe('without JavaScript', () => {
  it('when the owner adds a tag on the photo\'s page, then the form posts and the page comes back with the tag and a note', async () => {
    const page = await (await newContext(browser, app, { javaScriptEnabled: false })).newPage();
    await logInThroughForm(page, 'corrector');
    await page.goto(`/images/${ids[2]}`);
    await page.getByRole('textbox', { name: 'Add a tag' }).fill('no script');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(`**/images/${ids[2]}`);
    await expect(page.locator('.flash, [role=status]').first().innerText()).resolves.toContain('Tagged "no script".');
    await expect(page.locator('.details .own-tags').innerText()).resolves.toContain('no script');
    await page.context().close();
  });
});
