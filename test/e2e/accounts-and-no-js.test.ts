// In a real browser: register, log out and in; and the whole upload path with JavaScript switched off (plain forms only).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fileFrom, launchBrowser, logInThroughForm, newContext, registerThroughForm, startApp, type RunningApp } from '../helpers/browser.js';
import { photosDir } from '../helpers/fixtures.js';

let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('accounts', () => {
  it('when someone registers, logs out and logs in again, then they land on the gallery under their name each time', async () => {
    const page = await (await newContext(browser, app)).newPage();
    await registerThroughForm(page, 'maya');
    await expect(page.locator('.flash').innerText()).resolves.toBe('Welcome, maya!');
    await expect(page.getByRole('navigation', { name: 'Account' }).innerText()).resolves.toContain('maya');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login\?loggedOut=1$/);
    await expect(page.locator('.notice').innerText()).resolves.toBe('You are logged out.');
    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/login');

    await page.getByLabel('Username').fill('maya');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe('Wrong username or password.');
    // The name is kept and the password is what to type again.
    await expect(page.getByLabel('Username').inputValue()).resolves.toBe('maya');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');

    await logInThroughForm(page, 'maya');
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.getByRole('heading', { name: 'All images' }).isVisible()).resolves.toBe(true);
  });

  it('when the registration form is wrong, then the errors are shown next to the fields and the name is kept', async () => {
    const page = await (await newContext(browser, app)).newPage();
    await page.goto('/register');
    await page.getByLabel('Username').fill('maya');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('Confirm password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.locator('#password-error').innerText()).resolves.toContain('at least 8 characters');
    await expect(page.getByLabel('Username').inputValue()).resolves.toBe('maya');
    await expect(page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');
    // The error takes the hint's place and is the field's description: the rule is not said twice.
    await expect(page.locator('#password-help').count()).resolves.toBe(0);
    await expect(page.getByLabel('Password', { exact: true }).getAttribute('aria-describedby')).resolves.toBe('password-error');
    // "maya" is taken (the test above made it): the name's error comes first, and the focus is there to fix it.
    await expect(page.locator('#username-error').innerText()).resolves.toBe('That username is taken.');
    await expect(page.locator('#username-help').count()).resolves.toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('username');
    await page.getByLabel('Username').fill('maya2');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.locator('#username-help').isVisible()).resolves.toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
  });
});

describe('without JavaScript', () => {
  let page: Page;

  beforeAll(async () => {
    page = await (await newContext(browser, app, { javaScriptEnabled: false })).newPage();
    await registerThroughForm(page, 'nojs');
  });

  it('when the upload button is used, then the plain upload page takes several files and the gallery reports each one', async () => {
    await page.getByRole('link', { name: 'Upload images' }).click();
    await page.waitForURL(/\/upload$/);
    const form = page.locator('.upload-page form');
    await form.getByLabel('Private: only me').check();
    await form.locator('input[type=file]').setInputFiles([
      fileFrom(path.join(photosDir, 'coral_parrot.png')),
      fileFrom(path.join(photosDir, 'nodered_airplane.jpg')),
      { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a picture at all\n') },
    ]);
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), form.getByRole('button', { name: 'Upload' }).click()]);
    await expect(page.locator('.flash').innerText()).resolves.toBe('Uploaded 2 images. Not uploaded: notes.jpg (not an image).');
    await expect(page.locator('#gallery-grid .card').count()).resolves.toBe(2);
    await expect(page.locator('#gallery-grid .badge-private').count()).resolves.toBe(2);
  });

  it('when only bad files are sent, then the upload page says why and nothing is stored', async () => {
    await page.goto('/upload');
    const form = page.locator('.upload-page form');
    await form.locator('input[type=file]').setInputFiles([{ name: 'empty.png', mimeType: 'image/png', buffer: Buffer.from('') }]);
    await form.getByRole('button', { name: 'Upload' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toMatch(/Nothing was uploaded:[\s\S]*empty\.png/);
  });

  // Each step that waits for a POST, its redirect and the next page gets 30 s (beside other suites' uploads on CI's
  // two cores one took over 10 s, on either backend); the test gets room for all of them, so a slow step fails
  // by its own name.
  it('when the plain forms switch visibility and delete, then the page reloads with a message each time, and delete asks on a page first', { timeout: 150_000 }, async () => {
    const slow = { timeout: 30_000 };
    await page.goto('/');
    // The parrot is a portrait photo whose card is narrower than its check and both buttons side by side: it
    // shows no buttons for the check to cover (a trial click would fail on one), and the airplane's take a click.
    const parrot = page.locator('#gallery-grid .card', { has: page.locator('[aria-label="Delete coral_parrot.png"]') });
    await parrot.hover();
    await expect(parrot.locator('.card-actions').isVisible()).resolves.toBe(false);
    const airplane = page.locator('#gallery-grid .card', { has: page.locator('[aria-label="Delete nodered_airplane.jpg"]') });
    await airplane.hover();
    for (const button of await airplane.locator('.card-actions button').all()) await button.click({ trial: true, timeout: 5_000 });
    const name = 'nodered_airplane.jpg';
    await airplane.locator('button[name="visibility"]').click(slow);
    await page.locator('.flash').waitFor(slow);
    await expect(page.locator('.flash').innerText()).resolves.toBe(`"${name}" is now public.`);
    // A public card wears no lock, and its switch now offers to make it private.
    await expect(airplane.locator('.badge-private').count()).resolves.toBe(0);
    await expect(airplane.getByRole('button', { name: `Make ${name} private` }).count()).resolves.toBe(1);

    await airplane.locator('button.delete').click(slow);
    await page.getByRole('heading', { name: `Move "${name}" to the trash?` }).waitFor(slow);
    await page.getByRole('button', { name: 'Move to the trash' }).click(slow);
    await page.locator('.flash', { hasText: 'trash' }).waitFor(slow);
    await expect(page.locator('.flash').innerText()).resolves.toBe(`Moved "${name}" to the trash. You can restore it from the trash for 30 days.`);
    await expect(page.locator('#gallery-grid .card').count()).resolves.toBe(1);

    // The trash page's plain forms: restore it.
    await page.getByRole('link', { name: 'Trash' }).click(slow);
    await page.getByRole('button', { name: `Restore ${name}` }).click(slow);
    await page.locator('.flash', { hasText: 'Restored' }).waitFor(slow);
    await page.goto('/');
    await expect(page.locator('#gallery-grid .card').count()).resolves.toBe(2);
  });

  it('when a thumbnail is clicked, then it is a plain link to the image page', async () => {
    await page.locator('#gallery-grid .card-thumb').first().click();
    await page.waitForURL(/\/images\/[0-9a-f-]{36}$/);
    await expect(page.getByRole('heading', { name: 'What MobileNet sees' }).isVisible()).resolves.toBe(true);
  });
});
