// Screenshots of the main pages, to look at by eye: `npx tsx test/e2e/screenshots.ts` writes screenshots/*.png.
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { launchBrowser, newContext, registerThroughForm, startApp } from '../helpers/browser.js';
import { photosDir, repoRoot } from '../helpers/fixtures.js';
import { SESSION_LIFETIME_MS } from '../../src/web/session.js';

const out = path.join(repoRoot, 'screenshots');
mkdirSync(out, { recursive: true });
const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(out, `${name}.png`), fullPage });

const photos = readdirSync(photosDir).filter((f) => /\.(png|jpe?g)$/.test(f)).map((f) => path.join(photosDir, f));

const app = await startApp({ realModel: true });
const browser = await launchBrowser();
try {
  const context = await newContext(browser, app, { viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();

  await page.goto('/login');
  await shot(page, 'login');
  await page.goto('/register');
  await shot(page, 'register');

  await registerThroughForm(page, 'rishi');
  await shot(page, 'empty-state');

  // Slow the upload down so the progress bar is caught mid-transfer.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 1_500_000 });
  await page.getByRole('link', { name: 'Upload images' }).click();
  await page.locator('#upload-dialog input[type=file]').setInputFiles(photos);
  await shot(page, 'upload-dialog-chosen');
  await page.locator('#upload-dialog').getByRole('button', { name: /^Upload/ }).click();
  await page.waitForFunction(() => {
    const p = document.querySelector<HTMLProgressElement>('#upload-dialog progress');
    return p !== null && p.value > 30;
  });
  await shot(page, 'upload-dialog-progress');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await page.locator('#upload-dialog').getByRole('button', { name: 'Done' }).waitFor({ timeout: 120_000 });
  await shot(page, 'upload-dialog-results');
  await page.locator('#upload-dialog').getByRole('button', { name: 'Done' }).click();
  await page.reload();
  await page.waitForLoadState('networkidle');
  await shot(page, 'gallery');
  await shot(page, 'gallery-full', true);

  await page.locator('.card-thumb').nth(2).click();
  await page.locator('.lightbox .details h1').waitFor();
  await page.waitForLoadState('networkidle');
  await shot(page, 'lightbox');
  await page.keyboard.press('Escape');

  await page.goto('/search?q=dog,%20cat');
  await page.waitForLoadState('networkidle');
  await shot(page, 'search-results');
  await page.goto('/search?q=catamaran');
  await shot(page, 'search-empty');

  const id = await page.goto('/').then(() => page.locator('.card').first().getAttribute('data-image-id'));
  await page.goto(`/images/${id}`);
  await page.waitForLoadState('networkidle');
  await shot(page, 'image-page');

  await page.goto('/upload');
  await shot(page, 'upload-page');
  await page.goto('/images/00000000-0000-4000-8000-000000000000');
  await shot(page, 'not-found');
  await page.goto('/');
  await page.locator('.card button[name="visibility"]').first().click();
  await page.locator('.toast').waitFor();
  await page.locator('.card-thumb').first().focus();
  await page.keyboard.press('Tab');
  await shot(page, 'gallery-toast-focus');

  await page.setViewportSize({ width: 1024, height: 800 });
  await page.goto('/');
  await page.waitForLoadState('networkidle');
  await shot(page, 'gallery-1024');

  const phone = await newContext(browser, app, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const phonePage = await phone.newPage();
  await phonePage.goto('/login');
  await phonePage.getByLabel('Username').fill('rishi');
  await phonePage.getByLabel('Password').fill('correct horse battery');
  await phonePage.getByRole('button', { name: 'Log in' }).click();
  await phonePage.waitForURL((url) => url.pathname === '/');
  await phonePage.waitForLoadState('networkidle');
  await shot(phonePage, 'phone-gallery');
  await shot(phonePage, 'phone-gallery-full', true);
  await phonePage.getByRole('link', { name: 'Upload' }).click();
  await shot(phonePage, 'phone-upload-dialog');
  await phonePage.keyboard.press('Escape');
  await phonePage.locator('.card-thumb').first().click();
  await phonePage.locator('.lightbox .details h1').waitFor();
  await phonePage.waitForLoadState('networkidle');
  await shot(phonePage, 'phone-lightbox');
  await phonePage.keyboard.press('Escape');
  await phonePage.goto('/search?q=bird,%20red');
  await phonePage.waitForLoadState('networkidle');
  await shot(phonePage, 'phone-search');
  await phonePage.goto('/logout');
  const anon = await (await newContext(browser, app, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true })).newPage();
  await anon.goto('/register');
  await anon.getByLabel('Username').fill('x');
  await anon.getByRole('button', { name: 'Create account' }).click();
  await shot(anon, 'phone-register-errors');
  const noJs = await (await newContext(browser, app, { javaScriptEnabled: false, viewport: { width: 1024, height: 700 } })).newPage();
  await noJs.goto('/login');
  await noJs.getByLabel('Username').fill('rishi');
  await noJs.getByLabel('Password').fill('correct horse battery');
  await noJs.getByRole('button', { name: 'Log in' }).click();
  await noJs.goto('/upload');
  await shot(noJs, 'no-js-upload-page');
  // Enough images for a second page, to see the page links.
  const token = await page.goto('/').then(() => page.locator('meta[name="csrf-token"]').getAttribute('content'));
  const form = new FormData();
  form.append('visibility', 'public');
  for (let i = 0; i < 40; i++) {
    const hue = `hsl(${i * 9}, 60%, 50%)`;
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: hue } }).png().toBuffer();
    form.append('images', new Blob([new Uint8Array(png)], { type: 'image/png' }), `swatch-${i}.png`);
  }
  await page.request.post('/images', { headers: { Accept: 'application/json', 'X-CSRF-Token': token! }, multipart: form });
  await page.goto('/');
  await page.locator('.pagination').scrollIntoViewIfNeeded();
  await shot(page, 'pagination');

  // The session's end: the notice two minutes before it, then the password dialog, on both sizes.
  app.clock.advance(SESSION_LIFETIME_MS - 90_000);
  for (const [each, name] of [[page, 'session'], [phonePage, 'phone-session']] as const) {
    await each.goto('/');
    await each.getByRole('button', { name: 'Stay signed in' }).waitFor();
    await shot(each, `${name}-notice`);
    await each.getByRole('button', { name: 'Stay signed in' }).click();
    await each.getByRole('dialog', { name: 'Stay signed in' }).waitFor();
    await shot(each, `${name}-dialog`);
  }
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await app.stop();
}
