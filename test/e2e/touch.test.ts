// On a touch screen (Chromium's touch emulation, touches sent through CDP): swipe between photos in the viewer,
// pinch and double-tap to zoom, and the full-screen button.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { launchBrowser, newContext, registerThroughForm, startApp, type RunningApp } from '../helpers/browser.js';
import { galleryOrder, seedImages, type Shown } from './seed.js';

let app: RunningApp;
let browser: Browser;
let page: Page;
let cdp: CDPSession;
let shown: Shown[];

type Point = { x: number; y: number };
const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', points: Point[]) =>
  cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map((p) => ({ x: p.x, y: p.y })) });

/** One or more fingers from `from` to `to` in a few steps. */
async function drag(from: Point[], to: Point[], steps = 6) {
  await touch('touchStart', from);
  for (let i = 1; i <= steps; i++) {
    await touch('touchMove', from.map((f, k) => ({ x: f.x + ((to[k].x - f.x) * i) / steps, y: f.y + ((to[k].y - f.y) * i) / steps })));
  }
  await touch('touchEnd', []);
}

async function tap(p: Point) {
  await touch('touchStart', [p]);
  await touch('touchEnd', []);
}

const box = () => page.locator('dialog.lightbox');
const title = () => box().locator('.details h1');
const scale = () => box().locator('.lightbox-image').evaluate((img) => new DOMMatrix(getComputedStyle(img).transform).a);
async function stageCentre(): Promise<Point> {
  const r = (await box().locator('.lightbox-stage').boundingBox())!;
  return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
}

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  const context = await newContext(browser, app, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  page = await context.newPage();
  await registerThroughForm(page, 'tess');
  await seedImages(page, 5);
  shown = await galleryOrder(page);
  await page.reload();
  cdp = await context.newCDPSession(page);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('viewer on a touch screen', () => {
  it('when a photo is tapped and swiped left and right, then the viewer shows the next and the previous photo', async () => {
    await page.locator('#gallery-grid .card-thumb').first().tap();
    await title().filter({ hasText: shown[0].name }).waitFor();
    const c = await stageCentre();
    await drag([c], [{ x: c.x - 160, y: c.y + 10 }]);
    await title().filter({ hasText: shown[1].name }).waitFor();
    await drag([c], [{ x: c.x - 160, y: c.y }]);
    await title().filter({ hasText: shown[2].name }).waitFor();
    await drag([c], [{ x: c.x + 160, y: c.y }]);
    await title().filter({ hasText: shown[1].name }).waitFor();
    // A mostly vertical drag is not a swipe.
    await drag([c], [{ x: c.x - 60, y: c.y + 200 }]);
    await page.waitForTimeout(200);
    await expect(title().innerText()).resolves.toBe(shown[1].name);
  });

  it('when two fingers spread, then the photo zooms; a double tap zooms back out and in again; zoomed, one finger pans instead of swiping', async () => {
    const c = await stageCentre();
    expect(await scale()).toBe(1);
    await drag([{ x: c.x - 30, y: c.y }, { x: c.x + 30, y: c.y }], [{ x: c.x - 90, y: c.y }, { x: c.x + 90, y: c.y }]);
    expect(await scale()).toBeCloseTo(3, 1);
    await page.waitForTimeout(400); // not a double tap with the pinch's end
    await tap(c);
    await tap(c);
    expect(await scale()).toBe(1);
    await page.waitForTimeout(400);
    await tap(c);
    await tap(c);
    expect(await scale()).toBe(2.5);
    const before = await box().locator('.lightbox-image').evaluate((img) => new DOMMatrix(getComputedStyle(img).transform).e);
    await drag([c], [{ x: c.x + 120, y: c.y }]);
    await page.waitForTimeout(200);
    await expect(title().innerText()).resolves.toBe(shown[1].name);
    const after = await box().locator('.lightbox-image').evaluate((img) => new DOMMatrix(getComputedStyle(img).transform).e);
    expect(after).toBeGreaterThan(before);
    // The next photo starts at its normal size.
    await box().getByRole('button', { name: 'Next photo' }).tap();
    await title().filter({ hasText: shown[2].name }).waitFor();
    expect(await scale()).toBe(1);
  });

  it('when the full-screen button is tapped, then the photo fills the screen, and again brings the viewer back', async () => {
    const full = box().getByRole('button', { name: 'Full screen' });
    expect(await page.evaluate(() => document.fullscreenEnabled)).toBe(true);
    await full.tap();
    await page.waitForFunction(() => document.fullscreenElement?.classList.contains('lightbox-stage'));
    await page.waitForFunction(() => document.querySelector('.lightbox-tool.fullscreen')?.getAttribute('aria-pressed') === 'true');
    await full.tap();
    await page.waitForFunction(() => document.fullscreenElement === null);
    await page.waitForFunction(() => document.querySelector('.lightbox-tool.fullscreen')?.getAttribute('aria-pressed') === 'false');
    await expect(box().isVisible()).resolves.toBe(true);
  });
});
