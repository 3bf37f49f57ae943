// Screenshots of the grid and the viewer at desktop and phone sizes, light and dark, to look at by eye:
// `npx tsx test/e2e/look.ts [name-filter]` writes screenshots/look-*.png (screenshots/ is git-ignored).
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newContext, registerThroughForm, startApp, type RunningApp } from '../helpers/browser.js';
import { photosDir, repoRoot } from '../helpers/fixtures.js';
import { seedImages, seedPng } from './seed.js';

const out = path.join(repoRoot, 'screenshots');
mkdirSync(out, { recursive: true });
const only = process.argv[2];

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

async function pageFor(browser: Browser, app: RunningApp, size: keyof typeof SIZES, scheme: 'light' | 'dark'): Promise<Page> {
  const phone = size === 'phone';
  const context = await newContext(browser, app, { viewport: SIZES[size], colorScheme: scheme, isMobile: phone, hasTouch: phone, deviceScaleFactor: phone ? 2 : 1 });
  return context.newPage();
}

const app = await startApp();
const browser = await launchBrowser();
try {
  const seeder = await (await newContext(browser, app)).newPage();
  await registerThroughForm(seeder, 'rishi');
  await seedImages(seeder, 52);
  await seedImages(seeder, 8, { visibility: 'private', prefix: 'secret' });
  // Real photographs on top, to see real thumbnails in the grid.
  const token = await seeder.locator('meta[name="csrf-token"]').getAttribute('content');
  const multipart = new FormData();
  multipart.append('visibility', 'public');
  for (const file of readdirSync(photosDir).filter((f) => /\.(png|jpe?g)$/.test(f))) {
    multipart.append('images', new Blob([new Uint8Array(readFileSync(path.join(photosDir, file)))], { type: 'image/png' }), file);
  }
  await seeder.request.post('/images', { headers: { Accept: 'application/json', 'X-CSRF-Token': token! }, multipart });
  for (const size of ['desktop', 'phone'] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      const name = `${size}-${scheme}`;
      if (only && !name.includes(only)) continue;
      const page = await pageFor(browser, app, size, scheme);
      await page.goto('/register');
      await page.getByLabel('Username').fill('x');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.locator('#username-error').waitFor();
      await page.screenshot({ path: path.join(out, `look-${name}-register-errors.png`) });
      await page.goto('/login');
      await page.getByLabel('Username').fill('rishi');
      await page.getByLabel('Password').fill('wrong');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').waitFor();
      await page.waitForLoadState('load');
      await page.screenshot({ path: path.join(out, `look-${name}-login.png`) });
      await page.getByLabel('Username').fill('rishi');
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL((url) => url.pathname === '/');
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: path.join(out, `look-${name}-gallery.png`) });
      if (size === 'desktop') {
        await page.locator('.card').nth(3).hover();
        await page.screenshot({ path: path.join(out, `look-${name}-hover.png`) });
        await page.mouse.move(0, 0);
        await page.locator('#search-box').focus();
        for (let i = 0; i < 20 && !(await page.evaluate(() => document.activeElement?.matches('.card-thumb'))); i++) await page.keyboard.press('Tab');
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('ArrowDown');
        await page.screenshot({ path: path.join(out, `look-${name}-focus.png`) });
        await page.keyboard.press('?');
        await page.screenshot({ path: path.join(out, `look-${name}-keys.png`) });
        await page.keyboard.press('Escape');
      }
      await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Upload' }).click();
      await page.locator('#upload-dialog input[type=file]').setInputFiles([
        { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a picture') },
        { name: 'fine.png', mimeType: 'image/png', buffer: await seedPng(3) },
      ]);
      await page.locator('#upload-dialog').getByRole('button', { name: /^Upload/ }).click();
      await page.locator('#upload-dialog').getByRole('button', { name: 'Done' }).waitFor();
      await page.screenshot({ path: path.join(out, `look-${name}-upload.png`) });
      await page.locator('#upload-dialog').getByRole('button', { name: 'Done' }).click();
      await page.locator('.card-thumb').nth(2).click();
      await page.locator('.lightbox .details h1').waitFor();
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: path.join(out, `look-${name}-viewer.png`) });
      await page.keyboard.press('Escape');
      const id = await page.locator('.card').first().getAttribute('data-image-id');
      await page.goto(`/images/${id}`);
      await page.screenshot({ path: path.join(out, `look-${name}-image-page.png`), fullPage: true });
      await page.goto('/search?q=tabby');
      await page.screenshot({ path: path.join(out, `look-${name}-search.png`) });
      await page.goto('/nope');
      await page.screenshot({ path: path.join(out, `look-${name}-404.png`) });
      await page.context().close();
    }
  }
  for (const size of ['desktop', 'phone'] as const) {
    if (only && !`${size}-nojs`.includes(only)) continue;
    const page = await (await newContext(browser, app, { viewport: SIZES[size], javaScriptEnabled: false })).newPage();
    await page.goto('/login');
    await page.getByLabel('Username').fill('rishi');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(out, `look-${size}-nojs-gallery.png`) });
    await page.context().close();
  }
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await app.stop();
}
