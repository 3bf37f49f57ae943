// axe-core on every kind of page, at desktop and phone sizes, in light and dark: WCAG 2.0 and 2.1 A and AA, best
// practices, and label-content-name-mismatch (off by default in axe, as experimental).
import { AxeBuilder } from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newContext, registerThroughForm, startApp, PASSWORD, type RunningApp } from '../helpers/browser.js';
import { seedImages } from './seed.js';
import { SESSION_LIFETIME_MS } from '../../src/web/session.js';

let app: RunningApp;
let browser: Browser;

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

type Visit = { name: string; user?: 'empty' | 'full'; go: (page: Page) => Promise<void> };

const VISITS: Visit[] = [
  { name: 'login', go: async (page) => void (await page.goto('/login')) },
  {
    name: 'login after a wrong password',
    go: async (page) => {
      await page.goto('/login');
      await page.getByLabel('Username').fill('nobody');
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').waitFor();
    },
  },
  {
    name: 'register with errors',
    go: async (page) => {
      await page.goto('/register');
      await page.getByLabel('Username').fill('x');
      await page.getByLabel('Password', { exact: true }).fill('short');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.locator('#username-error').waitFor();
    },
  },
  { name: 'empty gallery', user: 'empty', go: async (page) => void (await page.goto('/')) },
  { name: 'full gallery', user: 'full', go: async (page) => void (await page.goto('/')) },
  { name: 'search', user: 'full', go: async (page) => void (await page.goto('/search?q=tabby,%20red')) },
  {
    name: 'gallery with photos selected',
    user: 'full',
    go: async (page) => {
      await page.goto('/');
      for (const n of [0, 2]) await page.locator('#gallery-grid .card > input').nth(n).click({ force: true });
      await page.locator('.selection-bar').waitFor();
    },
  },
  { name: 'search without results', user: 'full', go: async (page) => void (await page.goto('/search?q=catamaran')) },
  {
    name: 'viewer',
    user: 'full',
    go: async (page) => {
      await page.goto('/search?q=tabby');
      await page.locator('#gallery-grid .card-thumb').nth(1).click();
      await page.locator('dialog.lightbox .details h1').waitFor();
    },
  },
  {
    name: 'image page',
    user: 'full',
    go: async (page) => {
      await page.goto('/');
      await page.goto(`/images/${await page.locator('#gallery-grid .card').first().getAttribute('data-image-id')}`);
    },
  },
  {
    name: 'keyboard shortcuts',
    user: 'full',
    go: async (page) => {
      await page.goto('/');
      await page.keyboard.press('?');
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    },
  },
  { name: 'empty trash', user: 'empty', go: async (page) => void (await page.goto('/trash')) },
  {
    name: 'trash',
    user: 'full',
    go: async (page) => {
      await page.goto('/');
      const id = await page.locator('#gallery-grid .card').first().getAttribute('data-image-id');
      const token = (await page.locator('meta[name="csrf-token"]').getAttribute('content'))!;
      expect((await page.request.post(`/images/${id}/delete`, { headers: { Accept: 'application/json', 'X-CSRF-Token': token } })).status()).toBe(200);
      await page.goto('/trash');
    },
  },
  {
    name: 'the question before the trash is emptied',
    user: 'full',
    go: async (page) => {
      await page.goto('/trash');
      await page.getByRole('button', { name: 'Empty the trash' }).click();
      await page.getByRole('heading', { name: 'Empty the trash?' }).waitFor();
    },
  },
  { name: '404', user: 'full', go: async (page) => void (await page.goto('/images/00000000-0000-4000-8000-000000000000')) },
  { name: 'account without tokens', user: 'empty', go: async (page) => void (await page.goto('/account')) },
  {
    name: 'account with a new token and the list',
    user: 'full',
    go: async (page) => {
      await page.goto('/account');
      await page.getByLabel('Name').fill('nightly backup');
      await page.getByRole('radio', { name: /Read and write/ }).check();
      await page.getByRole('button', { name: 'Make token' }).click();
      await page.getByRole('status').filter({ hasText: 'made' }).waitFor();
    },
  },
  {
    // Last: it moves the clock to two minutes before the end; the next size logs in again from there.
    name: 'session notice and the password dialog',
    user: 'full',
    go: async (page) => {
      app.clock.advance(SESSION_LIFETIME_MS - 90_000);
      await page.goto('/');
      await page.getByRole('button', { name: 'Stay signed in' }).click();
      await page.getByRole('dialog', { name: 'Stay signed in' }).waitFor();
    },
  },
];

async function audit(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .options({ rules: { 'label-content-name-mismatch': { enabled: true } } })
    .analyze();
  return results.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 3).map((n) => `  ${n.target.join(' ')}: ${n.failureSummary}`).join('\n')}`);
}

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  const context = await newContext(browser, app);
  const page = await context.newPage();
  await registerThroughForm(page, 'empty');
  await page.getByRole('button', { name: 'Log out' }).click();
  await registerThroughForm(page, 'full');
  await seedImages(page, 30);
  await seedImages(page, 6, { visibility: 'private', prefix: 'private' });
  await context.close();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe.each(['desktop', 'phone'] as const)('axe at %s size', (size) => {
  it.each(['light', 'dark'] as const)('when each page is checked in %s, then axe reports no violation', async (scheme) => {
    const phone = size === 'phone';
    const found: string[] = [];
    const sessions = new Map<string, Page>();
    for (const visit of VISITS) {
      let page = sessions.get(visit.user ?? 'anonymous');
      if (!page) {
        const context = await newContext(browser, app, { viewport: SIZES[size], colorScheme: scheme, isMobile: phone, hasTouch: phone });
        page = await context.newPage();
        if (visit.user) {
          await page.goto('/login');
          await page.getByLabel('Username').fill(visit.user);
          await page.getByLabel('Password').fill(PASSWORD);
          await page.getByRole('button', { name: 'Log in' }).click();
          await page.waitForURL((url) => url.pathname === '/');
        }
        sessions.set(visit.user ?? 'anonymous', page);
      }
      await visit.go(page);
      await page.waitForLoadState('networkidle');
      for (const violation of await audit(page)) found.push(`${visit.name}: ${violation}`);
    }
    for (const page of sessions.values()) await page.context().close();
    expect(found).toEqual([]);
  }, 120_000);
});
