// Screenshots of the upload dialog's states (chosen, sending, closed mid-upload, done with failures, copies
// refused) at desktop and phone sizes, light and dark, to look at by eye: `npx tsx test/e2e/upload-look.ts` writes screenshots/upload-*.png.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createTestApp } from '../helpers/app.js';
import { fileFrom, launchBrowser, registerThroughForm } from '../helpers/browser.js';
import { photosDir, repoRoot } from '../helpers/fixtures.js';

const out = path.join(repoRoot, 'screenshots');
mkdirSync(out, { recursive: true });
const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const photos = ['coral_pets.png', 'skimage_chelsea.png', 'coral_bird.png', 'skimage_coffee.png'].map((p) => fileFrom(path.join(photosDir, p)));
const tooBig = { name: 'IMG_20260131_panorama.png', mimeType: 'image/png', buffer: Buffer.alloc(3 * 2 ** 20) };
const notes = { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture\n') };

const t = await createTestApp({ env: { MAX_FILES: '2', MAX_FILE_MB: '2', LOG_LEVEL: 'warn' } });
const server = http.createServer(t.app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = await launchBrowser();
try {
  for (const size of ['desktop', 'phone'] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      const phone = size === 'phone';
      const context = await browser.newContext({
        baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        viewport: SIZES[size], colorScheme: scheme, isMobile: phone, hasTouch: phone, deviceScaleFactor: phone ? 2 : 1,
      });
      context.setDefaultTimeout(30_000);
      const page = await context.newPage();
      const shot = (state: string) => page.screenshot({ path: path.join(out, `upload-${size}-${scheme}-${state}.png`) });
      await registerThroughForm(page, `look-${size}-${scheme}`);
      const dialog = page.locator('#upload-dialog');
      await page.getByRole('link', { name: 'Upload images' }).click();
      await dialog.locator('input[type=file]').setInputFiles([...photos, tooBig, notes]);
      await shot('chosen');
      // The batch with the bird fails every time: its files end up offered for Retry.
      await page.route('**/images', (route) => (route.request().postDataBuffer()?.includes('coral_bird.png') ? route.fulfill({ status: 502, body: 'Bad gateway' }) : route.fallback()));
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 150_000 });
      await dialog.getByRole('button', { name: /^Upload/ }).click();
      await page.waitForFunction(() => (document.querySelector<HTMLProgressElement>('#upload-dialog progress')?.value ?? 0) > 15);
      await shot('sending');
      await dialog.getByRole('button', { name: 'Close' }).click();
      await shot('closed');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await page.locator('#upload-indicator', { hasText: 'Upload finished' }).waitFor();
      await shot('finished-closed');
      await page.locator('#upload-indicator').click();
      await shot('done');
      // Two files already in the library: their rows link to the twins and offer to upload the copies anyway.
      await page.unroute('**/images');
      await dialog.getByRole('button', { name: 'Upload more' }).click();
      await dialog.locator('input[type=file]').setInputFiles([photos[0], photos[1]]);
      await dialog.getByRole('button', { name: /^Upload/ }).click();
      await dialog.getByRole('button', { name: 'Upload the 2 copies anyway' }).waitFor();
      await shot('copies');
      await context.close();
    }
  }
} finally {
  await browser.close();
  server.closeAllConnections();
  server.close();
  await t.close();
}
