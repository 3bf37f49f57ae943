// Screenshots of the grid and the viewer at desktop and phone sizes, light and dark, to look at by eye:
// `npx tsx test/e2e/look.ts [name-filter]` writes screenshots/look-*.png (screenshots/ is git-ignored).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newContext, registerThroughForm, startApp, type RunningApp } from '../helpers/browser.js';
import { repoRoot } from '../helpers/fixtures.js';
import { seedImages } from './seed.js';

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
  for (const size of ['desktop', 'phone'] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      const name = `${size}-${scheme}`;
      if (only && !name.includes(only)) continue;
      const page = await pageFor(browser, app, size, scheme);
      await page.goto('/login');
      await page.screenshot({ path: path.join(out, `look-${name}-login.png`) });
      await page.getByLabel('Username').fill('rishi');
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL((url) => url.pathname === '/');
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: path.join(out, `look-${name}-gallery.png`) });
      if (size === 'desktop') {
        await page.keyboard.press('Tab');
        await page.keyboard.press('Tab');
        await page.locator('.card').nth(3).hover();
        await page.screenshot({ path: path.join(out, `look-${name}-hover.png`) });
      }
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
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await app.stop();
}
