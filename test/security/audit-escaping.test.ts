// Regressions for what the black-box audit found to hold about hostile text: a file name or a search term made
// of markup, quotes, line breaks or unicode is shown as text on every page that shows it, comes back unchanged
// in JSON (served as JSON), and is one clean filename in the download's Content-Disposition.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type request from 'supertest';
import contentDisposition from 'content-disposition';
import { createTestApp, csrfFrom, signedInAgent, type TestApp } from '../helpers/app.js';
import { solidPng, textFile } from '../helpers/fixtures.js';
import { multipart, multipartType } from './multipart.js';

let t: TestApp;
let owner: request.Agent;
let viewer: request.Agent;
let png: Buffer;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signedInAgent(t, 'xss-owner');
  viewer = await signedInAgent(t, 'xss-viewer');
  png = await solidPng('#c0392b', 32, 32);
});
afterAll(() => t.close());

const json = (test: request.Test) => test.set('Accept', 'application/json');

/** Decodes the character references an HTML escaper may use, to read a page's text as a browser shows it. */
const decodeEntities = (html: string) =>
  html
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&(lt|gt|quot|apos|amp);/g, (_m, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name]!);

/**
 * The page shows `text` (so it reached the page), and `hostile` (the part the attacker chose) never as markup:
 * written as it is, a text holding < > " or ' would open a tag or end an attribute.
 */
function expectShownAsText(html: string, text: string, where: string, hostile = text) {
  expect(decodeEntities(html).includes(text), `${where}: does not show ${JSON.stringify(text)}`).toBe(true);
  if (/[<>"']/.test(hostile)) expect(html.includes(hostile), `${where}: shows ${JSON.stringify(hostile)} unescaped`).toBe(false);
}

/** Every link, image, script and form target of the page stays on this site and runs no script. */
function expectOnlySameSiteUrls(html: string, where: string) {
  for (const [, attribute, raw] of html.matchAll(/\s(href|src|action|formaction)="([^"]*)"/g)) {
    const url = decodeEntities(raw);
    expect(url, `${where}: ${attribute}="${raw}"`).toMatch(/^(\/(?![/\\])|#)/);
  }
}

/** RFC 5987 percent-encoding for filename*=, so a name reaches the app exactly, quotes and line breaks included. */
const ext = (name: string) => encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const filePart = (name: string, data: Buffer, type = 'image/png') =>
  ({ name: 'images', filename: '', data, type, disposition: `form-data; name="images"; filename*=UTF-8''${ext(name)}` });

async function sendFiles(files: { name: string; data: Buffer; type?: string }[], asScript: boolean) {
  const token = await csrfFrom(owner, '/upload');
  const body = multipart([{ name: '_csrf', value: token }, { name: 'visibility', value: 'public' }, { name: 'duplicates', value: 'keep' }, ...files.map((f) => filePart(f.name, f.data, f.type))]);
  const req = owner.post('/images').set('Content-Type', multipartType());
  return (asScript ? json(req) : req).send(body);
}

// [what, the name sent, the name kept]: line breaks are dropped, everything else is kept as sent.
const NAMES: [string, string, string][] = [
  ['an img tag with onerror', '<img src=x onerror=alert(1)>.png', '<img src=x onerror=alert(1)>.png'],
  ['a quote that closes an attribute, then a tag', '"><svg onload=alert(1)>.png', '"><svg onload=alert(1)>.png'],
  ['single quotes and an event handler', "' onmouseover='alert(1)' x='.png", "' onmouseover='alert(1)' x='.png"],
  ['a line break and a header of its own', 'first\r\nSet-Cookie: pwned=1\r\n.png', 'firstSet-Cookie: pwned=1.png'],
  ['quotes, an ampersand and unicode', 'Fotó "ünï" & 日本 🐱 <b>.png', 'Fotó "ünï" & 日本 🐱 <b>.png'],
];

describe('hostile file names', () => {
  it.each(NAMES)('when a file name has %s, then every page shows it as text, JSON returns it unchanged and the download names it cleanly', async (_what, sent, kept) => {
    const uploaded = await sendFiles([{ name: sent, data: png }], true);
    expect(uploaded.status).toBe(200);
    expect(uploaded.headers['content-type']).toMatch(/^application\/json\b/);
    expect(uploaded.headers['x-content-type-options']).toBe('nosniff');
    const [result] = uploaded.body.results as { image: { id: string; originalName: string }; html: string }[];
    expect(result.image.originalName).toBe(kept);
    expectShownAsText(result.html, kept, 'the card in the upload answer');
    const id = result.image.id;

    for (const [who, agent] of [['owner', owner], ['another user', viewer]] as const) {
      const page = await agent.get(`/images/${id}`);
      expect(page.status).toBe(200);
      expectShownAsText(page.text, kept, `the image page for the ${who}`);
      expectOnlySameSiteUrls(page.text, `the image page for the ${who}`);
      const asJson = await json(agent.get(`/images/${id}`));
      expect(asJson.headers['content-type']).toMatch(/^application\/json\b/);
      expect(asJson.body.image.originalName).toBe(kept);
    }
    // The gallery names the image only in the owner's buttons (their accessible names).
    const gallery = await owner.get('/');
    expectShownAsText(gallery.text, kept, 'the gallery');
    expectShownAsText((await owner.get('/search?q=xss-owner')).text, kept, 'search results');

    const download = await viewer.get(`/images/${id}/download`);
    expect(download.status).toBe(200);
    const header = download.headers['content-disposition'] as string;
    expect(header).not.toMatch(/[\r\n\u0000]/);
    // A line break in the name must not have become a header of its own.
    expect(([] as string[]).concat(download.headers['set-cookie'] ?? []).filter((c) => c.startsWith('pwned'))).toEqual([]);
    // Read back as a browser would: one attachment, and its name (filename* where there is one) is the kept name.
    const parsed = contentDisposition.parse(header);
    expect(parsed.type).toBe('attachment');
    expect(parsed.parameters.filename).toBe(kept);
    expect(Object.keys(parsed.parameters).filter((key) => key !== 'filename' && key !== 'filename*')).toEqual([]);
    // And a browser that reads only the plain filename= gets one name too, with no path or control character in it.
    const fallback = contentDisposition.parse(header.replace(/;\s*filename\*=[^;]*/, '')).parameters.filename;
    expect(fallback).not.toMatch(/[/\\\u0000-\u001f]/);
  });

  it.each(NAMES)("when a file name has %s, then the flash messages of the owner's actions show it as text", async (_what, sent, kept) => {
    const id = (await sendFiles([{ name: sent, data: png }], true)).body.results[0].image.id as string;
    const token = await csrfFrom(owner, '/');
    expect((await owner.post(`/images/${id}/visibility`).type('form').send({ _csrf: token, visibility: 'private', next: '/' })).status).toBe(303);
    expectShownAsText((await owner.get('/')).text, `"${kept}" is now private.`, 'the flash after a visibility change', kept);
    const asked = await owner.post(`/images/${id}/delete`).type('form').send({ _csrf: token, next: '/' });
    expectShownAsText(asked.text, `Move "${kept}" to the trash?`, 'the page that asks before a delete', kept);
    expect((await owner.post(`/images/${id}/delete`).type('form').send({ _csrf: token, next: '/', confirmed: 'yes' })).status).toBe(303);
    expectShownAsText((await owner.get('/')).text, `Moved "${kept}" to the trash.`, 'the flash after a delete', kept);
    expectShownAsText((await owner.get('/trash')).text, kept, 'the trash page', kept);
    expect((await owner.post('/trash/restore').type('form').send({ _csrf: token, ids: id })).status).toBe(303);
    expectShownAsText((await owner.get('/trash')).text, `Restored "${kept}".`, 'the flash after a restore', kept);
  });

  it.each(NAMES)('when a rejected file has %s in its name, then the upload page and the summary show the name as text', async (_what, sent, kept) => {
    // The form without JavaScript: nothing accepted renders the upload page with the reasons.
    const refused = await sendFiles([{ name: sent, data: textFile, type: 'text/plain' }], false);
    expect(refused.status).toBe(415);
    expectShownAsText(refused.text, kept, 'the upload page');
    expectOnlySameSiteUrls(refused.text, 'the upload page');
    const mixed = await sendFiles([{ name: 'fine.png', data: png }, { name: sent, data: textFile, type: 'text/plain' }], false);
    expect(mixed.status).toBe(303);
    expectShownAsText((await owner.get(mixed.headers.location)).text, `Not uploaded: ${kept} (not an image).`, 'the summary in the gallery', kept);
  });
});

describe('hostile search terms', () => {
  let redId: string;
  beforeAll(async () => {
    // A red image, so queries that also say "red" find it, and its details (as the viewer asks for them, with the
    // query) give its tags "+" links back to the query.
    const res = await sendFiles([{ name: 'red.png', data: png }], true);
    expect(res.status).toBe(200);
    redId = res.body.results[0].image.id;
  });

  const QUERIES: [string, string][] = [
    ['a quote that closes the search box, then a tag', '"><img src=x onerror=alert(1)>'],
    ['single quotes and an event handler', "' autofocus onfocus='alert(1)"],
    ['the end of the title, then a script', '</title><script>alert(1)</script>'],
    ['a tag next to a term that matches', 'red, <svg onload=alert(1)>'],
    ['a javascript: URL next to a term that matches', 'javascript:alert(1), red'],
    ['quotes, an ampersand and unicode', 'ünï "日本" & 🐱, red'],
  ];
  /** The query as the results page shows it: comma terms, trimmed and lower-cased (see test/http/search.test.ts). */
  const understood = (q: string) => q.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean).join(', ');

  it.each(QUERIES)('when the query is %s, then the results page shows it as text and links only within the site', async (_what, q) => {
    const res = await owner.get('/search').query({ q });
    expect(res.status).toBe(200);
    expectShownAsText(res.text, q, 'the search box');
    expectShownAsText(res.text, `"${understood(q)}"`, 'the summary', understood(q));
    expectOnlySameSiteUrls(res.text, 'the results page');
    const details = await owner.get(`/images/${redId}`).query({ q });
    expect(details.status).toBe(200);
    expectShownAsText(details.text, q, 'the search box of the details');
    expectOnlySameSiteUrls(details.text, 'the details with the query');
    expect(details.text).toContain('class="add-term"');
  });

  it.each(QUERIES)('when the query is %s, then the JSON answer returns it unchanged, served as JSON', async (_what, q) => {
    const res = await json(owner.get('/search').query({ q }));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json\b/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body.query).toBe(understood(q));
    // Every image here is red: the hostile part finds nothing, and breaks nothing for the term beside it.
    if (q.includes('red')) expect(res.body.images.length).toBeGreaterThan(0);
    else expect(res.body.images).toEqual([]);
  });

  it.each(QUERIES)('when a page other than search is opened with q=%s, then its search box shows it as text', async (_what, q) => {
    for (const path of ['/', '/upload', '/no-such-page']) {
      const res = await owner.get(path).query({ q });
      expect(res.status).toBe(path === '/no-such-page' ? 404 : 200);
      expectShownAsText(res.text, q, `the search box on ${path}`);
      expectOnlySameSiteUrls(res.text, path);
    }
  });
});
