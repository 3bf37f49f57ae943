// In a real browser with 60 photos of the usual shapes: how many thumbnails a screen shows, that they keep their
// place while loading, that the cards the viewer adds match the server's, and the grid by keyboard alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newContext, registerThroughForm, startApp, PASSWORD, type RunningApp } from '../helpers/browser.js';
import { galleryOrder, seedImages, type Shown } from './seed.js';

let app: RunningApp;
let browser: Browser;
let shown: Shown[]; // newest first, as the gallery shows them
let ids: string[];
const nameOf = (i: number) => shown[i].name;

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

async function signedIn(size: keyof typeof SIZES, extra: Parameters<typeof newContext>[2] = {}): Promise<Page> {
  const phone = size === 'phone';
  const context = await newContext(browser, app, { viewport: SIZES[size], isMobile: phone, hasTouch: phone, ...extra });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Username').fill('grace');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  return page;
}

type Box = { id: string; top: number; left: number; bottom: number; right: number };
const cardBoxes = (page: Page) => page.locator('#gallery-grid .card').evaluateAll((cards) => cards.map((card) => {
  const r = card.getBoundingClientRect();
  return { id: (card as HTMLElement).dataset.imageId!, top: r.top, left: r.left, bottom: r.bottom, right: r.right };
}));
const fullyVisible = (boxes: Box[], size: { width: number; height: number }) =>
  boxes.filter((b) => b.top >= 0 && b.left >= 0 && b.bottom <= size.height + 0.5 && b.right <= size.width + 0.5);
/** Cards by row (same top), in order. */
function rows(boxes: Box[]): Box[][] {
  const byTop = new Map<number, Box[]>();
  for (const box of boxes) byTop.set(Math.round(box.top), [...(byTop.get(Math.round(box.top)) ?? []), box]);
  return [...byTop.values()];
}
const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.closest<HTMLElement>('.card')?.dataset.imageId);
const focusVisible = (page: Page) => page.evaluate(() => document.activeElement?.matches(':focus-visible') ?? false);

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  const page = await (await newContext(browser, app)).newPage();
  await registerThroughForm(page, 'grace');
  await seedImages(page, 60);
  shown = await galleryOrder(page);
  ids = shown.map((s) => s.id);
  await page.context().close();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('density', () => {
  it('when 60 photos are shown at 1280 x 800, then at least 24 thumbnails are fully visible without scrolling, in justified rows', async () => {
    const page = await signedIn('desktop');
    await page.waitForLoadState('networkidle');
    const boxes = await cardBoxes(page);
    const visible = fullyVisible(boxes, SIZES.desktop);
    console.log(`1280 x 800: ${visible.length} thumbnails fully visible, rows of ${rows(boxes).map((r) => r.length).join(', ')}`);
    expect(visible.length).toBeGreaterThanOrEqual(24);
    // Every row but the last ends at the same right edge, and the cards of a row share one height.
    const all = rows(boxes);
    const edge = all[0].at(-1)!.right;
    for (const row of all.slice(0, -1)) {
      expect(Math.abs(row.at(-1)!.right - edge)).toBeLessThan(1.5);
      for (const box of row) expect(Math.abs((box.bottom - box.top) - (row[0].bottom - row[0].top))).toBeLessThan(1.5);
    }
    await page.context().close();
  });

  it('when they are shown at 390 x 844, then every full row has at least 3 and at least 12 are fully visible', async () => {
    const page = await signedIn('phone');
    await page.waitForLoadState('networkidle');
    const boxes = await cardBoxes(page);
    const perRow = rows(boxes).map((r) => r.length);
    const visible = fullyVisible(boxes, SIZES.phone);
    console.log(`390 x 844: ${visible.length} thumbnails fully visible, rows of ${perRow.join(', ')}`);
    for (const n of perRow.slice(0, -1)) expect(n).toBeGreaterThanOrEqual(3);
    expect(visible.length).toBeGreaterThanOrEqual(12);
    await page.context().close();
  });
});

describe('loading', () => {
  it('when thumbnails have not arrived, then each card already has its final size and shows the stored colour', async () => {
    const page = await signedIn('desktop');
    const { images } = await (await page.request.get('/', { headers: { Accept: 'application/json' } })).json();
    // Thumbnails held back: the layout is what the HTML and CSS alone make of it.
    await page.route('**/images/*/thumb', (route) => route.abort());
    await page.reload();
    const before = await cardBoxes(page);
    const fills = await page.locator('#gallery-grid .card-thumb svg rect').evaluateAll((rects) => rects.map((r) => r.getAttribute('fill')));
    expect(fills).toEqual(images.map((image: { colour: { hex: string } }) => image.colour.hex));
    await page.unroute('**/images/*/thumb');
    await page.reload();
    await page.waitForLoadState('networkidle');
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight)); // the lazy ones too
    await page.waitForLoadState('networkidle');
    await page.evaluate(() => window.scrollTo(0, 0));
    const loaded = await page.locator('#gallery-grid img').evaluateAll((imgs) => imgs.filter((img) => (img as HTMLImageElement).naturalWidth > 0).length);
    expect(loaded).toBe(48);
    expect(await cardBoxes(page)).toEqual(before);
    // Those below the first rows wait until they are scrolled near.
    const lazy = await page.locator('#gallery-grid img[loading="lazy"]').count();
    expect(lazy).toBe(48 - 12);
    await page.context().close();
  });

  it('when the viewer goes past the last photo of the page, then the next page is added with the very cards the server makes', async () => {
    const page = await signedIn('desktop');
    const serverCards = await page.evaluate(async () => {
      const older = document.querySelector<HTMLAnchorElement>('.pagination a[rel="next"]')!.href;
      const doc = new DOMParser().parseFromString(await (await fetch(older)).text(), 'text/html');
      return [...doc.querySelectorAll('#gallery-grid .card')].map((card) => card.outerHTML);
    });
    expect(serverCards).toHaveLength(12);
    await page.locator('#gallery-grid .card-thumb').nth(47).click();
    const box = page.locator('dialog.lightbox');
    await box.locator('.details h1').waitFor();
    await box.getByRole('button', { name: 'Next photo' }).click();
    await box.locator('.details h1', { hasText: nameOf(48) }).waitFor();
    await expect(page.locator('#gallery-grid .card').count()).resolves.toBe(60);
    const added = await page.locator('#gallery-grid .card').evaluateAll((cards) => cards.slice(48).map((card) => {
      const copy = card.cloneNode(true) as Element;
      // What the page script adds to every card (the roving tab stop) is not the server's.
      for (const node of [copy, ...copy.querySelectorAll('*')]) { node.removeAttribute('tabindex'); node.removeAttribute('aria-describedby'); }
      return copy.outerHTML;
    }));
    expect(added).toEqual(serverCards);
    await expect(page.locator('.pagination .page-of').innerText()).resolves.toBe('Pages 1–2 of 2');
    await expect(box.getByRole('button', { name: 'Next photo' }).isDisabled()).resolves.toBe(false);
    await box.getByRole('button', { name: 'Next photo' }).click();
    await box.locator('.details h1', { hasText: nameOf(49) }).waitFor();
    await page.context().close();
  });
});

describe('search results', () => {
  it('when a ranked search goes past its first page, then the cards added say why they matched, as the server\'s do', async () => {
    const page = await signedIn('desktop');
    await page.goto(`/search?q=${encodeURIComponent('grace, green, blue')}`);
    const firstWhy = await page.locator('#gallery-grid .card .why').first().innerText();
    expect(firstWhy).toMatch(/grace/);
    const serverCards = await page.evaluate(async () => {
      const older = document.querySelector<HTMLAnchorElement>('.pagination a[rel="next"]')!.href;
      const doc = new DOMParser().parseFromString(await (await fetch(older)).text(), 'text/html');
      return [...doc.querySelectorAll('#gallery-grid .card')].map((card) => card.outerHTML);
    });
    expect(serverCards).toHaveLength(12);
    expect(serverCards.every((card) => card.includes('class="why"'))).toBe(true);
    await page.locator('#gallery-grid .card-thumb').nth(47).click();
    const box = page.locator('dialog.lightbox');
    await box.locator('.details h1').waitFor();
    await box.getByRole('button', { name: 'Next photo' }).click();
    await page.locator('#gallery-grid .card').nth(59).waitFor({ state: 'attached' });
    await expect(page.locator('#gallery-grid .card').count()).resolves.toBe(60);
    const added = await page.locator('#gallery-grid .card').evaluateAll((cards) => cards.slice(48).map((card) => {
      const copy = card.cloneNode(true) as Element;
      for (const node of [copy, ...copy.querySelectorAll('*')]) { node.removeAttribute('tabindex'); node.removeAttribute('aria-describedby'); }
      return copy.outerHTML;
    }));
    expect(added).toEqual(serverCards);
    // The viewer marks what matched: the uploader at least. (Its details arrive after the photo: wait for those
    // of the photo it stepped to, whose id they show.)
    const steppedTo = await page.locator('#gallery-grid .card').nth(48).getAttribute('data-image-id');
    await box.locator('.details', { hasText: steppedTo! }).waitFor();
    await expect(box.locator('.details a.matched', { hasText: 'grace' }).count()).resolves.toBe(1);
    await page.context().close();
  });
});

describe('viewer', () => {
  it('when a photo is opened, then the viewer has its labels with bars, colour, size, format, dimensions, uploader, time and id, and the id copies', async () => {
    const page = await signedIn('desktop');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.locator('#gallery-grid .card-thumb').nth(5).click();
    const details = page.locator('dialog.lightbox .details');
    await details.locator('h1', { hasText: nameOf(5) }).waitFor();
    await expect(details.locator('.labels meter').count()).resolves.toBe(3);
    const facts = await details.locator('.facts').innerText();
    expect(facts).toMatch(/Colours?\s+[a-z]+ #[0-9a-f]{6}/);
    expect(facts).toMatch(/Dimensions\s+\d+ × 90 px/);
    expect(facts).toMatch(/Size\s+\d+ KB, PNG/);
    expect(facts).toMatch(/Uploaded by\s+grace/);
    expect(facts).toContain(ids[5]);
    // The time is the server's UTC one, rewritten in the reader's own zone and words.
    const time = details.locator('time');
    expect(await time.getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await time.innerText()).not.toMatch(/UTC$/);
    await expect(details.getByRole('link', { name: 'Download' }).getAttribute('href')).resolves.toBe(`/images/${ids[5]}/download`);
    await details.getByRole('button', { name: 'Copy id' }).click();
    // The copy is asynchronous (the clipboard API): wait for its toast rather than read the region at once. It
    // shows in the viewer's own region: the page's is under the modal.
    await page.locator('dialog.lightbox > .toasts').getByText('Copied the id.').waitFor({ timeout: 5000 });
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(ids[5]);
    await page.context().close();
  });
});

describe('keyboard only', () => {
  it('when the grid is used with keys alone, then it is one tab stop, arrows move, Enter opens, and deleting keeps the focus on a photo', async () => {
    const page = await signedIn('desktop');
    await page.locator('#search-box').focus();
    const tabTo = async () => {
      for (let i = 0; i < 20 && !(await focusedId(page)); i++) await page.keyboard.press('Tab');
    };
    await tabTo();
    expect(await focusedId(page)).toBe(ids[0]);
    expect(await focusVisible(page)).toBe(true);
    await expect(page.locator('#gallery-grid [tabindex="0"]').count()).resolves.toBe(1);

    await page.keyboard.press('ArrowRight');
    expect(await focusedId(page)).toBe(ids[1]);
    // Down goes to the photo of the next row that stands under the middle of this one, or, when the middle falls
    // in the gap between two photos, the nearer of them. (The boxes are read after the key: a scroll bar that
    // appears meanwhile re-flows the rows.)
    await page.keyboard.press('ArrowDown');
    const downId = await focusedId(page);
    const boxes = await cardBoxes(page);
    const fromBox = boxes.find((b) => b.id === ids[1])!;
    const toBox = boxes.find((b) => b.id === downId)!;
    const middle = (fromBox.left + fromBox.right) / 2;
    const offBy = (b: Box) => (middle >= b.left && middle <= b.right ? 0 : Math.min(Math.abs(middle - b.left), Math.abs(middle - b.right)));
    const nextRow = rows(boxes.filter((b) => b.top > fromBox.bottom - 1))[0];
    expect(nextRow.map((b) => b.id)).toContain(downId);
    expect(offBy(toBox)).toBe(Math.min(...nextRow.map(offBy)));
    // Under the middle, or at most half the grid's gap from it.
    const gap = await page.locator('#gallery-grid').evaluate((grid) => parseFloat(getComputedStyle(grid).columnGap));
    expect(offBy(toBox)).toBeLessThanOrEqual(gap / 2 + 0.5);
    await page.keyboard.press('ArrowUp');
    expect(await focusedId(page)).toBe(ids[1]);
    await page.keyboard.press('End');
    expect(await focusedId(page)).toBe(ids[47]);
    await page.keyboard.press('Home');
    expect(await focusedId(page)).toBe(ids[0]);

    // Tab leaves the grid at once, and Shift+Tab comes back to the same photo.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBeUndefined();
    await page.keyboard.press('Shift+Tab');
    expect(await focusedId(page)).toBe(ids[1]);

    // P switches the focused photo to private in place; the focus stays.
    await page.keyboard.press('p');
    await page.locator(`.card[data-image-id="${ids[1]}"] .badge-private`).waitFor();
    expect(await focusedId(page)).toBe(ids[1]);

    // Delete moves it to the trash (Undo in the toast), then the next photo takes the focus.
    await page.keyboard.press('Delete');
    await page.locator(`.card[data-image-id="${ids[1]}"]`).waitFor({ state: 'detached' });
    expect(await focusedId(page)).toBe(ids[2]);
    expect(await focusVisible(page)).toBe(true);

    // Enter opens the viewer; arrows move in it; Delete there shows the next photo and keeps the focus in the viewer.
    await page.keyboard.press('Enter');
    const box = page.locator('dialog.lightbox');
    await box.locator('.details h1', { hasText: nameOf(2) }).waitFor();
    await page.keyboard.press('ArrowRight');
    await box.locator('.details h1', { hasText: nameOf(3) }).waitFor();
    await page.keyboard.press('Delete');
    await box.locator('.details h1', { hasText: nameOf(4) }).waitFor();
    await page.locator(`.card[data-image-id="${ids[3]}"]`).waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.closest('dialog.lightbox') !== null)).toBe(true);
    expect(await focusVisible(page)).toBe(true);
    // Escape: back in the grid, on the photo the viewer showed last.
    await page.keyboard.press('Escape');
    // The dialog hands the focus back after its close event: wait for it rather than read it at once.
    for (let i = 0; i < 50 && (await focusedId(page)) !== ids[4]; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await focusedId(page)).toBe(ids[4]);
    expect(await focusVisible(page)).toBe(true);

    // ? lists the keys.
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect(help.innerText()).resolves.toContain('Delete your photo');
    await page.keyboard.press('Escape');
    // The dialog hands the focus back after its close event: wait for it rather than read it at once.
    for (let i = 0; i < 50 && (await focusedId(page)) !== ids[4]; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await focusedId(page)).toBe(ids[4]);
    await page.context().close();
  });
});
