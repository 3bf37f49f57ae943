// In a real browser with the real model: upload several photos at once, see progress and results, then search by tags.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { fileFrom, launchBrowser, newContext, registerThroughForm, startApp, type RunningApp } from '../helpers/browser.js';
import { photosDir } from '../helpers/fixtures.js';

const photos = ['coral_pets.png', 'skimage_chelsea.png', 'coral_bird.png', 'skimage_coffee.png'];
const notAnImage = { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('This is plain text, not a picture.\n') };

let app: RunningApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const ids = new Map<string, string>(); // original name -> image id
const problems: string[] = [];

/** The card of an uploaded photo, by its original name. */
const card = (name: string) => page.locator(`#gallery-grid .card[data-image-id="${ids.get(name)}"]`);
const viewer = () => page.locator('dialog.lightbox');
/** Opens a card in the viewer and waits for its details. */
async function openInViewer(name: string) {
  await card(name).locator('.card-thumb').click();
  await viewer().locator('.details h1', { hasText: name }).waitFor();
  return viewer().locator('.details');
}
/** The term a tag link searches for: its ?q=. */
const termOf = async (link: Locator) => new URL((await link.getAttribute('href'))!, 'http://x').searchParams.get('q')!;
const resultCount = async () => Number(/^([\d,]+) image/.exec((await page.locator('h1').innerText()).trim())?.[1].replace(/,/g, ''));
const shownIds = () => page.locator('#gallery-grid .card').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.imageId));

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp({ realModel: true }), launchBrowser()]);
  context = await newContext(browser, app);
  page = await context.newPage();
  // Anything the browser refuses (a Content-Security-Policy violation, a script error) shows up here.
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  page.on('pageerror', (error) => problems.push(error.message));
  await registerThroughForm(page, 'rishi');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('upload dialog', () => {
  it('when several photos and a text file are sent at once, then a progress bar runs and each file gets its own result, without a reload', async () => {
    await expect(page.getByRole('heading', { name: 'No images yet' }).isVisible()).resolves.toBe(true);
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

    await page.getByRole('link', { name: 'Upload images' }).click();
    const dialog = page.locator('#upload-dialog');
    await expect(dialog.isVisible()).resolves.toBe(true);
    expect(new URL(page.url()).pathname).toBe('/'); // the link's /upload is not followed when JavaScript runs
    await dialog.locator('input[type=file]').setInputFiles([...photos.map((p) => fileFrom(path.join(photosDir, p))), notAnImage]);
    await expect(dialog.locator('.file-item').count()).resolves.toBe(5);
    expect(await dialog.locator('.file-item').first().innerText()).toMatch(/coral_pets\.png[\s\S]*\d+ KB/);

    // A slow link, so the transfer is seen in progress; then full speed for the rest.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 400_000 });
    await dialog.getByRole('button', { name: 'Upload 5 images' }).click();
    await page.waitForFunction(() => {
      const bar = document.querySelector<HTMLProgressElement>('#upload-dialog progress');
      return bar !== null && bar.value > 5 && bar.value < 95;
    });
    expect(await dialog.locator('.progress-text').innerText()).toMatch(/^Sending… \d+% \(.+ of .+\)$/);
    expect((await dialog.locator('.file-item .size').allInnerTexts()).some((t) => /· (sending…|sent)$/.test(t))).toBe(true);
    await expect(dialog.getByRole('button', { name: 'Uploading…' }).isDisabled()).resolves.toBe(true);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.detach();

    await dialog.getByRole('button', { name: 'Done' }).waitFor({ timeout: 60_000 });
    await expect(dialog.locator('.file-summary').innerText()).resolves.toBe('Uploaded 4 of 5 images; 1 not uploaded (see below).');
    await expect(dialog.locator('.file-item.is-ok').count()).resolves.toBe(4);
    const rejected = dialog.locator('.file-item.is-error');
    await expect(rejected.innerText()).resolves.toMatch(/notes\.jpg[\s\S]*Not uploaded: not an image/);
    const pets = dialog.locator('.file-item', { hasText: 'coral_pets.png' });
    expect(await pets.locator('.preview').getAttribute('src')).toMatch(/^\/images\/[0-9a-f-]{36}\/thumb$/);
    expect(await pets.locator('.tag').count()).toBe(4); // colour + three labels

    await expect(page.locator('#gallery-grid .card').count()).resolves.toBe(4);
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    await expect(page.locator('#empty-state').count()).resolves.toBe(0);
    await expect(page.locator('.count').innerText()).resolves.toBe('4 images');

    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(dialog.isVisible()).resolves.toBe(false);
    // The empty state's button that opened the dialog is gone: focus lands on the newest card.
    // (The close hands focus over after the dialog's close event: wait for it rather than read it at once.)
    await page.waitForFunction(() => document.activeElement?.classList.contains('card-thumb') === true, null, { timeout: 5000 });
    const { images } = await (await page.request.get('/', { headers: { Accept: 'application/json' } })).json();
    for (const image of images) ids.set(image.originalName, image.id);
    expect([...ids.keys()].sort()).toEqual([...photos].sort());
  });

  it('when the photos are opened in the viewer, then each has its colour with a swatch and the labels MobileNet saw', async () => {
    // The card itself says it in its thumbnail's text and waits on the stored colour until the thumbnail arrives.
    expect(await card('coral_pets.png').locator('img').getAttribute('alt')).toMatch(/^Photo of .+, mostly [a-z]+$/);
    expect(await card('coral_pets.png').locator('.card-thumb svg rect').getAttribute('fill')).toMatch(/^#[0-9a-f]{6}$/);
    const details = await openInViewer('coral_pets.png');
    // The colour tag first, with its hex; the rest of the palette after it, each with its share.
    const colour = details.locator('.tag.colour').first();
    expect(await colour.locator('svg.swatch rect').getAttribute('fill')).toMatch(/^#[0-9a-f]{6}$/);
    expect((await colour.innerText()).trim()).toMatch(/^[a-z]+ #[0-9a-f]{6}(\s+(\d+|<1)%)?$/);
    for (const other of (await details.locator('.tag.colour').allInnerTexts()).slice(1)) expect(other.trim()).toMatch(/^[a-z]+\s+(\d+|<1)%$/);
    const labels = await details.locator('.labels .label-name a').allInnerTexts();
    expect(labels).toHaveLength(3);
    expect(labels.some((l) => /^(Italian greyhound|whippet|Boston bull)/.test(l))).toBe(true);
    await expect(details.locator('.labels meter').count()).resolves.toBe(3);
    await page.keyboard.press('Escape');
    const catLabels = await (await openInViewer('skimage_chelsea.png')).locator('.labels .label-name a').allInnerTexts();
    expect(catLabels.some((l) => /^(Egyptian cat|tabby|tiger cat)/.test(l))).toBe(true);
    await page.keyboard.press('Escape');
  });
});

describe('tags and search', () => {
  it('when a label in the viewer is clicked, then the search for it shows that image', async () => {
    const label = (await openInViewer('skimage_chelsea.png')).locator('.labels .label-name a').first();
    const term = await termOf(label);
    await Promise.all([page.waitForURL(/\/search\?q=/), label.click()]);
    expect(new URL(page.url()).searchParams.get('q')).toBe(term);
    expect((await page.locator('#search-box').inputValue()).toLowerCase()).toBe(term.toLowerCase());
    expect(await shownIds()).toContain(ids.get('skimage_chelsea.png'));
    expect(await shownIds()).not.toContain(ids.get('skimage_coffee.png'));
    expect(await page.locator('h1').innerText()).toMatch(new RegExp(`match(es)? "${term}"`, 'i'));
  });

  it('when "dog" is searched and the viewer\'s colour tag is shift-clicked, then the query broadens to both terms', async () => {
    await page.locator('#search-box').fill('dog');
    await Promise.all([page.waitForURL(/q=dog$/), page.locator('#search-box').press('Enter')]);
    expect(await shownIds()).toEqual([ids.get('coral_pets.png')]); // a hypernym finds the greyhound
    const before = await resultCount();

    const colour = (await openInViewer('coral_pets.png')).locator('.tag.colour a').first();
    const colourName = await termOf(colour);
    await Promise.all([page.waitForURL(/q=dog%2C/), colour.click({ modifiers: ['Shift'] })]);
    expect(new URL(page.url()).searchParams.get('q')).toBe(`dog, ${colourName}`);
    expect(await page.locator('h1').innerText()).toContain(`"dog, ${colourName}"`);
    expect(await resultCount()).toBeGreaterThanOrEqual(before);
    expect(await shownIds()).toContain(ids.get('coral_pets.png'));
    expect(context.pages()).toHaveLength(1); // shift-click did not open a new window
  });

  it('when the small "+" of a label in the viewer is clicked, then its term is added to the current query', async () => {
    const q = new URL(page.url()).searchParams.get('q')!;
    const tag = (await openInViewer('coral_pets.png')).locator('.labels .label-name').first();
    const plus = tag.getByRole('link', { name: /^Add .+ to the search$/ });
    const term = await termOf(tag.locator('a').first());
    await Promise.all([page.waitForURL((url) => url.searchParams.get('q') !== q), plus.click()]);
    expect(new URL(page.url()).searchParams.get('q')).toBe(`${q}, ${term}`);
  });
});

describe('lightbox', () => {
  it('when a thumbnail is clicked, then the image opens large with its details, arrows move, Escape closes and focus returns', async () => {
    await page.goto('/');
    const thumb = page.locator('#gallery-grid .card-thumb').first();
    await thumb.click();
    const box = page.locator('dialog.lightbox');
    await box.locator('.details h1').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    const first = await box.locator('.details h1').innerText();
    expect(photos).toContain(first);
    await expect(box.locator('.lightbox-image').getAttribute('src')).resolves.toMatch(/\/images\/[0-9a-f-]{36}\/(thumb|file)$/);
    await expect(box.getByRole('link', { name: 'Open the image page' }).getAttribute('href')).resolves.toMatch(/^\/images\/[0-9a-f-]{36}$/);

    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((name) => document.querySelector('dialog.lightbox .details h1')?.textContent !== name, first);
    await page.keyboard.press('Escape');
    await expect(box.isVisible()).resolves.toBe(false);
    // (The close hands focus over after the dialog's close event: wait for it rather than read it at once.)
    await page.waitForFunction(() => document.activeElement?.classList.contains('card-thumb') === true, null, { timeout: 5000 });
  });

  it('when an image page is opened directly, then the same details are there without a lightbox', async () => {
    const id = ids.get('coral_bird.png')!;
    await page.goto(`/images/${id}`);
    await expect(page.locator('h1').innerText()).resolves.toBe('coral_bird.png');
    const res = await page.request.get(`/images/${id}/file`);
    expect(Buffer.from(await res.body()).equals(readFileSync(path.join(photosDir, 'coral_bird.png')))).toBe(true);
  });
});

describe('the page itself', () => {
  it('when all of the above ran, then the browser reported no script errors and no Content-Security-Policy violations', () => {
    expect(problems).toEqual([]);
  });
});
