// npx tsx bench/lighthouse.ts: the front end's quality bars, printed. Lighthouse 12 (Debian's Chromium, its
// default mobile settings with simulated throttling, and its desktop settings) on the login page, a gallery
// of 96 photos and a search; then the gallery's largest contentful paint on localhost (page 1: 48 photos),
// median of 5 loads each with a cold browser cache, and its HTML size. Targets: accessibility 100, best practices 100, performance >= 95; LCP <= 500 ms;
// HTML < 100 KB.
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse, { desktopConfig, type Flags } from 'lighthouse';
import { chromium } from 'playwright-core';
import { httpClient } from './lib/client.js';
import { outDir, photosDir } from './lib/paths.js';
import type { BenchPhoto } from './lib/photos.js';
import { buildApp, startServer } from './lib/server.js';
import { median, round } from './lib/stats.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const USER = { username: 'lighthouse', password: 'a long enough password' };
const PAGES = { login: '/login', gallery: '/', search: '/search?q=dog,%20red' };

buildApp();
const dataDir = path.join(outDir, 'data/lighthouse');
rmSync(dataDir, { recursive: true, force: true });
const server = await startServer({ name: 'lighthouse', dataDir });
const rows: string[][] = [];
let failed = 0;
const check = (met: boolean) => (met ? 'yes' : (failed++, 'no'));
try {
  const client = httpClient(server.base);
  const token = await client.csrf('/register');
  const form = new URLSearchParams({ _csrf: token, username: USER.username, password: USER.password, confirm: USER.password }).toString();
  const registered = await client.request('POST', '/register', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(form) },
    body: form,
  });
  if (registered.status !== 303) throw new Error(`registration answered ${registered.status}`);
  // 96 photos: the real test photos, each several times, public.
  const files = readdirSync(photosDir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
  const photos: BenchPhoto[] = Array.from({ length: 96 }, (_, i) => {
    const file = path.join(photosDir, files[i % files.length]);
    return { file, name: path.basename(file), megapixels: 0, bytes: statSync(file).size };
  });
  const uploaded = await client.upload(photos);
  if (uploaded.status !== 200) throw new Error(`upload answered ${uploaded.status}`);
  const cookie = client.cookieHeader();
  client.close();

  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    for (const [preset, config] of [['mobile', undefined], ['desktop', desktopConfig]] as const) {
      for (const [name, url] of Object.entries(PAGES)) {
        const flags: Flags = {
          port: chrome.port, output: 'json', logLevel: 'error',
          onlyCategories: ['performance', 'accessibility', 'best-practices'],
          extraHeaders: name === 'login' ? {} : { Cookie: cookie },
        };
        const result = await lighthouse(`${server.base}${url}`, flags, config);
        const categories = result!.lhr.categories;
        const score = (id: string) => Math.round((categories[id]?.score ?? 0) * 100);
        const [performance, accessibility, bestPractices] = [score('performance'), score('accessibility'), score('best-practices')];
        const lcp = result!.lhr.audits['largest-contentful-paint']?.displayValue ?? '-';
        rows.push([`${name} (${preset})`, String(performance), String(accessibility), String(bestPractices), lcp,
          check(performance >= 95 && accessibility === 100 && bestPractices === 100)]);
        for (const [id, audit] of Object.entries(result!.lhr.audits)) {
          if (audit.score !== null && audit.score < 1 && audit.scoreDisplayMode !== 'informative' && audit.scoreDisplayMode !== 'manual') {
            if (['accessibility', 'best-practices'].some((c) => categories[c]?.auditRefs.some((r) => r.id === id && r.weight > 0))) {
              console.log(`  ${name} (${preset}): ${id} scored ${audit.score}: ${audit.title}`);
            }
          }
        }
      }
    }
  } finally {
    chrome.kill();
  }

  // The gallery's largest contentful paint, as Chromium reports it, on localhost without throttling.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const [name, value] = cookie.split('; ').find((c) => c.startsWith('sid='))!.split(/=(.*)/s);
    const signedIn = async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addCookies([{ name, value, url: server.base }]);
      return context;
    };
    const warm = await signedIn();
    await (await warm.newPage()).goto(server.base); // the server warm; each measured load below has a cold browser cache
    await warm.close();
    const paints: number[] = [];
    let htmlBytes = 0;
    for (let i = 0; i < 5; i++) {
      const context = await signedIn();
      const page = await context.newPage();
      const response = await page.goto(`${server.base}/`, { waitUntil: 'load' });
      htmlBytes = (await response!.body()).length;
      paints.push(await page.evaluate(() => new Promise<number>((resolve) => {
        new PerformanceObserver((list) => resolve(list.getEntries().at(-1)!.startTime)).observe({ type: 'largest-contentful-paint', buffered: true });
      })));
      await context.close();
    }
    const lcp = median(paints);
    rows.push(['gallery page 1 (48 of 96), LCP, localhost, cold cache (median of 5)', `${round(lcp, 0)} ms`, '', '', paints.map((p) => round(p, 0)).join(', '), check(lcp <= 500)]);
    rows.push(['gallery HTML', `${round(htmlBytes / 1024, 1)} KB`, '', '', '', check(htmlBytes < 100 * 1024)]);
  } finally {
    await browser.close();
  }
} finally {
  await server.stop();
}

const head = ['page', 'performance', 'accessibility', 'best practices', 'LCP', 'met'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log([line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
process.exit(failed ? 1 : 0);
