// The grid by date taken in a real browser: month headings over justified rows, kept right when the viewer
// adds the next page in place, and the owner's details of a photo in the viewer.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newContext, registerThroughForm, startApp, type RunningApp } from '../helpers/browser.js';
import { repoRoot } from '../helpers/fixtures.js';
import { seedPng } from './seed.js';

let app: RunningApp;
let browser: Browser;
/** id -> the month it was taken, "2021-05". */
const monthOf = new Map<string, string>();
const MONTHS = ['2021-05', '2021-04', '2021-03', '2021-02', '2021-01'];
// 14 a month for four months and 4 in the oldest: page 1 (48) ends 6 photos into February, so page 2
// carries on under February's heading and then starts January's.
const PER_MONTH = [14, 14, 14, 14, 4];
const shots = path.join(repoRoot, 'screenshots');

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  const page = await (await newContext(browser, app)).newPage();
  await registerThroughForm(page, 'tess');
  const token = await page.locator('meta[name="csrf-token"]').getAttribute('content');
  const multipart = new FormData();
  multipart.append('visibility', 'public');
  let i = 0;
  const months: string[] = [];
  for (const [m, count] of PER_MONTH.entries()) {
    for (let k = 0; k < count; k++, i++) {
      // Uploaded oldest upload first but in a shuffled order of dates, so only the dates can put them in order.
      const day = String(1 + ((k * 7) % 28)).padStart(2, '0');
      const jpeg = await sharp(await seedPng(i)).jpeg().withExif({ IFD2: { DateTimeOriginal: `${MONTHS[m].replace('-', ':')}:${day} 10:${String(k).padStart(2, '0')}:00` } }).toBuffer();
      multipart.append('images', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), `t-${MONTHS[m]}-${day}-${k}.jpg`);
      months.push(MONTHS[m]);
    }
  }
  const res = await page.request.post('/images', { headers: { Accept: 'application/json', 'X-CSRF-Token': token! }, multipart });
  expect(res.ok()).toBe(true);
  const { results } = (await res.json()) as { results: { image: { id: string } }[] };
  results.forEach((r, n) => monthOf.set(r.image.id, months[n]));
  await page.context().close();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function signedIn(viewport: { width: number; height: number }): Promise<Page> {
  const page = await (await newContext(browser, app, { viewport })).newPage();
  await page.goto('/login');
  await page.getByLabel('Username').fill('tess');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  return page;
}

/** The grid's items in order: a month heading as "# 2021-05", a card as its id. */
const items = (page: Page) => page.locator('#gallery-grid > li:not(.row-end)').evaluateAll((lis) =>
  lis.map((li) => ((li as HTMLElement).classList.contains('month') ? `# ${(li as HTMLElement).dataset.month}` : (li as HTMLElement).dataset.imageId!)));

/** Every card sits under the heading of the month it was taken in, and each month has one heading. */
function expectUnderTheirMonths(list: string[], cards: number) {
  const headings = list.filter((x) => x.startsWith('# ')).map((x) => x.slice(2));
  expect(new Set(headings).size).toBe(headings.length);
  let month: string | undefined;
  let seen = 0;
  for (const item of list) {
    if (item.startsWith('# ')) month = item.slice(2);
    else {
      expect(month, `card ${item}`).toBe(monthOf.get(item));
      seen++;
    }
  }
  expect(seen).toBe(cards);
  return headings;
}

describe('by date taken', () => {
  it('when the grid is sorted by date taken, then it shows month headings newest first, each over its photos, and the rows stay justified', async () => {
    const page = await signedIn({ width: 1280, height: 800 });
    await page.getByRole('link', { name: 'Date taken' }).click();
    await page.waitForURL((url) => url.search === '?sort=taken');
    await expect(page.getByRole('heading', { name: 'May 2021' }).isVisible()).resolves.toBe(true);
    expect(expectUnderTheirMonths(await items(page), 48)).toEqual(MONTHS.slice(0, 4));
    // The row before a heading ends where its photos do: its cards keep the row's own height (15vh, 120 px
    // here), where stretched to fill the width they would grow taller.
    const lastOfMonth = await page.locator('#gallery-grid .row-end').evaluateAll((ends) =>
      ends.map((end) => Math.round(end.previousElementSibling!.getBoundingClientRect().height)));
    expect(lastOfMonth).toEqual([120, 120, 120]);
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'timeline-desktop.png') });
    await page.context().close();
  });

  it('when the viewer goes past the last photo of page 1, then page 2 carries on under the same month and starts the next one', async () => {
    const page = await signedIn({ width: 1280, height: 800 });
    await page.goto('/?sort=taken');
    await page.locator('#gallery-grid .card-thumb').nth(47).click();
    const box = page.locator('dialog.lightbox');
    const last = await box.locator('.details h1').innerText();
    await box.getByRole('button', { name: 'Next photo' }).click();
    // The next page's JSON, then the photo's own page for its details: seconds on a loaded machine.
    await expect.poll(() => page.locator('#gallery-grid .card').count(), { timeout: 20_000 }).toBe(60);
    expect(expectUnderTheirMonths(await items(page), 60)).toEqual(MONTHS);
    // In the viewer the owner sees when it was taken, as the camera's clock read it: the first of page 2 is
    // February's. (Its details arrive after "Loading details…", and until then the last photo's may show.)
    const details = () => box.locator('.details').innerText({ timeout: 1000 }).catch(() => '');
    await expect.poll(async () => { const text = await details(); return !text.includes(last) && /Taken/.test(text); }, { timeout: 20_000 }).toBe(true);
    await expect(details()).resolves.toMatch(/Taken\s+\d+ Feb 2021, 10:\d\d/);
    await page.context().close();
  });

  it('when it is shown on a phone, then headings and rows fit the width', async () => {
    const page = await signedIn({ width: 390, height: 844 });
    await page.goto('/?sort=taken');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(shots, 'timeline-phone.png') });
    await page.context().close();
  });
});
