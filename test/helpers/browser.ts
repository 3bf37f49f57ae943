// Shared set-up for the browser tests: Debian's Chromium through playwright-core, and the app on a random port.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from './app.js';
import { modelDir } from './fixtures.js';
import { loadTfjsClassifier } from '../../src/images/tfjs-classifier.js';
import type { Classifier } from '../../src/images/classifier.js';

export const PASSWORD = 'correct horse battery';

/** Headless Chromium as the CI image has it (`npx playwright install` cannot work here); Playwright gives each launch a fresh profile. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

export type RunningApp = TestApp & { baseUrl: string; stop: () => Promise<void> };

/** The app in this process on a free port; `realModel` classifies with MobileNet instead of the fake. */
export async function startApp(opts: { realModel?: boolean; classifier?: Classifier; env?: Record<string, string> } = {}): Promise<RunningApp> {
  const classifier = opts.classifier ?? (opts.realModel ? await loadTfjsClassifier(modelDir) : undefined);
  const t = await createTestApp({ ...(classifier ? { classifier } : {}), env: opts.env });
  const server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...t,
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (classifier && !opts.classifier) await classifier.close();
      await t.close();
    },
  };
}

/** A new context (own cookies) whose pages resolve paths against the app. */
export async function newContext(browser: Browser, app: RunningApp, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: app.baseUrl, acceptDownloads: true, ...options });
  context.setDefaultTimeout(10_000); // fail fast and say which step, well before the test's own timeout
  return context;
}

/** A file for setInputFiles, read from disk (Playwright does not mix paths and buffers in one call). */
export function fileFrom(filePath: string): { name: string; mimeType: string; buffer: Buffer } {
  const ext = path.extname(filePath).slice(1).toLowerCase();
  const mimeType = ext === 'jpg' || ext === 'jpeg' ? 'image/jpeg' : `image/${ext}`;
  return { name: path.basename(filePath), mimeType, buffer: readFileSync(filePath) };
}

/** Registers through the form; the app signs the new user in and lands on the gallery. */
export async function registerThroughForm(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto('/register');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === '/');
}

export async function logInThroughForm(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname !== '/login');
}
