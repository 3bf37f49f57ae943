// In a real browser: with MAX_USER_GB set, the upload dialog says how much of the quota is used, and an upload updates it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fileFrom, launchBrowser, registerThroughForm } from '../helpers/browser.js';
import { photosDir } from '../helpers/fixtures.js';

const photo = path.join(photosDir, 'coral_pets.png');

let t: TestApp;
let server: http.Server;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  t = await createTestApp({ env: { MAX_USER_GB: '0.01' } }); // 10,737,418 bytes: "10 MB"
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  browser = await launchBrowser();
  const context = await browser.newContext({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  page.on('pageerror', (error) => problems.push(error.message));
  await registerThroughForm(page, 'quota-user');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await t?.close();
});

it('when the upload dialog opens and an upload ends, then it shows how much of the quota is used', async () => {
  await page.getByRole('link', { name: 'Upload images' }).click();
  const dialog = page.locator('#upload-dialog');
  const usage = dialog.locator('.quota-usage');
  await expect.poll(() => usage.innerText()).toBe('0 MB of 10 MB used');

  await dialog.locator('input[type=file]').setInputFiles([fileFrom(photo)]);
  await dialog.getByRole('button', { name: 'Upload' }).click();
  await dialog.getByRole('button', { name: 'Done' }).waitFor({ timeout: 60_000 });
  const used = `${Number((statSync(photo).size / 2 ** 20).toFixed(1))} MB of 10 MB used`;
  await expect(usage.innerText()).resolves.toBe(used);

  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.reload();
  await page.getByRole('link', { name: 'Upload', exact: true }).click(); // the header's, now that the gallery has an image
  await expect.poll(() => page.locator('#upload-dialog .quota-usage').innerText()).toBe(used);
  // The page without JavaScript's dialog says the same, rendered by the server.
  await page.goto('/upload');
  await expect(page.locator('.upload-page .quota-usage').innerText()).resolves.toBe(used);
  expect(problems).toEqual([]);
}, 90_000);
