// Dark mode: the system's by default, a header toggle that is remembered, and a remembered theme that is on the
// page before any module script runs (so before the first paint: no flash of the other theme).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newContext, startApp, type RunningApp } from '../helpers/browser.js';

let app: RunningApp;
let browser: Browser;

const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
const theme = (page: Page) => page.evaluate(() => document.documentElement.dataset.theme ?? null);
const stored = (page: Page) => page.evaluate(() => localStorage.getItem('theme'));
const LIGHT = 'rgb(244, 245, 248)';
const DARK = 'rgb(14, 17, 22)';

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('dark mode', () => {
  it('when the system prefers dark, then the pages are dark with nothing stored', async () => {
    const page = await (await newContext(browser, app, { colorScheme: 'dark' })).newPage();
    await page.goto('/login');
    expect(await background(page)).toBe(DARK);
    expect(await theme(page)).toBeNull();
    await expect(page.getByRole('button', { name: 'Dark theme' }).getAttribute('aria-pressed')).resolves.toBe('true');
    await page.context().close();
  });

  it('when the toggle is pressed on a light system, then the page turns dark, stays dark after a reload, and turns back', async () => {
    const context = await newContext(browser, app, { colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto('/login');
    expect(await background(page)).toBe(LIGHT);
    const toggle = page.getByRole('button', { name: 'Dark theme' });
    await expect(toggle.getAttribute('aria-pressed')).resolves.toBe('false');
    await toggle.click();
    expect(await background(page)).toBe(DARK);
    await expect(toggle.getAttribute('aria-pressed')).resolves.toBe('true');
    expect(await stored(page)).toBe('dark');

    // Without the page's module script at all, the remembered theme still applies: the classic script in <head>
    // sets it while the page is parsed, before the body is laid out and painted.
    await page.route('**/assets/app.js', (route) => route.abort());
    await page.goto('/register');
    expect(await theme(page)).toBe('dark');
    expect(await background(page)).toBe(DARK);
    await page.unroute('**/assets/app.js');

    const other = await context.newPage(); // another tab of the same browser
    await other.goto('/login');
    expect(await background(other)).toBe(DARK);

    await page.goto('/login');
    await page.getByRole('button', { name: 'Dark theme' }).click();
    expect(await background(page)).toBe(LIGHT);
    // Back to the system's own theme: nothing is stored, so a change of the system's setting applies again.
    expect(await stored(page)).toBeNull();
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background(page)).toBe(DARK);
    await context.close();
  });

  it('when the head is read, then the theme script is a classic blocking script before the stylesheet', async () => {
    const html = await (await fetch(`${app.baseUrl}/login`)).text();
    const head = html.slice(0, html.indexOf('</head>'));
    expect(head).toMatch(/<script src="\/assets\/js\/theme\.js"><\/script>\s*<link rel="stylesheet"/);
    expect(head).toContain('<meta name="color-scheme" content="light dark">');
  });
});
