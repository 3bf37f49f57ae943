// In a real browser: the 30-minute session announces its end two minutes before, and once it has ended an
// in-page action, the next page of the grid and an upload (before it and between its requests) ask for the
// password in place and then carry on with the same action and the same files.
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fileFrom, launchBrowser, newContext, PASSWORD, registerThroughForm, startApp, type RunningApp } from '../helpers/browser.js';
import { photosDir } from '../helpers/fixtures.js';
import { SESSION_LIFETIME_MS } from '../../src/web/session.js';

const photos = ['skimage_rocket.jpg', 'coral_sunflower.png', 'skimage_motorcycle_left.png', 'skimage_coffee.png'].map((p) => path.join(photosDir, p));
const MINUTE = 60_000;

let app: RunningApp;
let browser: Browser;
let page: Page;
let users = 0;

const sessionDialog = () => page.locator('#session-dialog');
const markPage = () => page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
const stayedOnPage = () => page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed === true);
const imageCount = async () => Number((await app.rows<{ n: number }>`SELECT count(*) AS n FROM images`)[0].n);

async function uploadThroughDialog(files: string[]) {
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Upload' }).click();
  const dialog = page.locator('#upload-dialog');
  await dialog.getByLabel('Public: everyone signed in').check();
  await dialog.locator('input[type=file]').setInputFiles(files.map(fileFrom));
  return dialog;
}

/** The password typed into the session dialog, and the dialog gone. */
async function signInAgain() {
  await sessionDialog().getByLabel(/^Password for /).fill(PASSWORD);
  await sessionDialog().getByRole('button', { name: 'Continue' }).click();
  await sessionDialog().waitFor({ state: 'hidden' });
}

beforeAll(async () => {
  // Two files a request, so a selection of four travels as two requests.
  [app, browser] = await Promise.all([startApp({ env: { MAX_FILES: '2' } }), launchBrowser()]);
}, 60_000);

beforeEach(async () => {
  await page?.context().close();
  page = await (await newContext(browser, app)).newPage();
  await registerThroughForm(page, `user${++users}`);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('before the session ends', () => {
  it('when two minutes are left, then the page says so, and Stay signed in asks for the password and starts a new 30-minute session', async () => {
    app.clock.advance(SESSION_LIFETIME_MS - 1.5 * MINUTE);
    await page.goto('/');
    const notice = page.getByRole('status').filter({ hasText: 'Your session ends at' });
    await expect(notice.innerText()).resolves.toMatch(/^Your session ends at .+, in 2 minutes\./);

    await notice.getByRole('button', { name: 'Stay signed in' }).click();
    await expect(sessionDialog().getByRole('heading').innerText()).resolves.toBe('Stay signed in');
    // A wrong password first: said in the dialog, and the password is what to type again.
    await sessionDialog().getByLabel(/^Password for /).fill('not the password');
    await sessionDialog().getByRole('button', { name: 'Continue' }).click();
    await expect(sessionDialog().getByRole('alert').innerText()).resolves.toBe('Wrong username or password.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('session-password');
    await signInAgain();
    await page.getByText('You are signed in for another 30 minutes.').waitFor();
    await expect(page.locator('#session-notice').innerText()).resolves.toBe('');

    // 10 minutes on, the first session would be over; the new one is not.
    app.clock.advance(10 * MINUTE);
    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/');
  });

  it('when one tab signs in again, then the other tabs take the new session\'s token and clock', async () => {
    const other = await page.context().newPage();
    app.clock.advance(SESSION_LIFETIME_MS - 1.5 * MINUTE);
    await page.goto('/');
    await other.goto('/');
    const tokenOf = (p: Page) => p.evaluate(() => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content'));
    await page.getByRole('button', { name: 'Stay signed in' }).click();
    await signInAgain();
    const fresh = await tokenOf(page);
    await expect.poll(() => tokenOf(other)).toBe(fresh);
    await expect(other.locator('#session-notice').innerText()).resolves.toBe('');
    // The other tab's next action works under the new session without asking.
    await other.getByRole('navigation', { name: 'Account' }).getByRole('button', { name: 'Log out' }).click();
    await other.waitForURL(/\/login\?loggedOut=1/);
  });

  it('when the end passes with the page open, then the notice says the next action asks for the password', async () => {
    await page.clock.install();
    app.clock.advance(SESSION_LIFETIME_MS - 3 * MINUTE);
    await page.goto('/');
    await expect(page.locator('#session-notice').innerText()).resolves.toBe('');
    await page.clock.fastForward(MINUTE + 1000);
    await page.getByRole('status').filter({ hasText: 'in 2 minutes' }).waitFor();
    await page.clock.fastForward(2 * MINUTE);
    await page.getByRole('status').filter({ hasText: 'Your session has ended. Your next action asks for your password.' }).waitFor();
  });
});

describe('after the session ended', () => {
  it('when the owner makes an image private, then the password is asked in place and the image becomes private without leaving the page', async () => {
    const dialog = await uploadThroughDialog(photos.slice(0, 1));
    await dialog.getByRole('button', { name: /^Upload/ }).click();
    await dialog.getByRole('button', { name: 'Done' }).click({ timeout: 30_000 });
    await markPage();
    app.clock.advance(SESSION_LIFETIME_MS);

    await page.locator('#gallery-grid .card').first().locator('button[name="visibility"]').click();
    await expect(sessionDialog().getByRole('heading').innerText()).resolves.toBe('Your session has ended');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('session-password');
    await signInAgain();
    await expect.poll(async () => (await app.rows<{ visibility: string }>`SELECT visibility FROM images`)[0].visibility).toBe('private');
    expect(await stayedOnPage()).toBe(true);
  });

  it('when the viewer opens a photo, then its details wait for the password and then show', async () => {
    const dialog = await uploadThroughDialog(photos.slice(0, 1));
    await dialog.getByRole('button', { name: /^Upload/ }).click();
    await dialog.getByRole('button', { name: 'Done' }).click({ timeout: 30_000 });
    app.clock.advance(SESSION_LIFETIME_MS);
    await page.locator('#gallery-grid .card').first().locator('.card-thumb').click();
    await signInAgain();
    await page.locator('dialog.lightbox .details h1', { hasText: 'skimage_rocket.jpg' }).waitFor();
  });

  it('when an upload is started, then the password is asked in place and the same files are sent', async () => {
    const before = await imageCount();
    const dialog = await uploadThroughDialog(photos.slice(0, 2));
    await markPage();
    app.clock.advance(SESSION_LIFETIME_MS);
    await dialog.getByRole('button', { name: /^Upload/ }).click();
    await signInAgain();
    await dialog.getByRole('button', { name: 'Done' }).waitFor({ timeout: 30_000 });
    await expect(dialog.locator('.file-summary').innerText()).resolves.toBe('Uploaded 2 of 2 images.');
    expect(await imageCount()).toBe(before + 2);
    expect(await stayedOnPage()).toBe(true);
  });

  it('when it ends between the requests of one upload, then the second request waits for the password and every file arrives', async () => {
    const before = await imageCount();
    const dialog = await uploadThroughDialog(photos);
    // Two requests of two files travel at once. The session ends the moment the first has been answered, and
    // the second reaches the server only then.
    let first: () => void;
    const firstAnswered = new Promise<void>((resolve) => (first = resolve));
    const statuses: number[] = [];
    let seen = 0;
    await page.route('**/images', async (route) => {
      const nth = ++seen;
      if (nth === 2) await firstAnswered;
      const response = await route.fetch();
      statuses.push(response.status());
      if (nth === 1) {
        app.clock.advance(SESSION_LIFETIME_MS);
        first();
      }
      await route.fulfill({ response });
    });
    await dialog.getByRole('button', { name: /^Upload/ }).click();
    await signInAgain();
    await dialog.getByRole('button', { name: 'Done' }).waitFor({ timeout: 30_000 });
    await expect(dialog.locator('.file-summary').innerText()).resolves.toBe('Uploaded 4 of 4 images.');
    expect(statuses).toEqual([200, 401, 200]); // the second request again, after the password
    expect(await imageCount()).toBe(before + 4);
  });
});
