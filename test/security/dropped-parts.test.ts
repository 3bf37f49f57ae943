// Audit finding 12: multipart parts that busboy or multer would drop without a word (10 files sent, 9 results).
// Every part that looks like a file gets a result: stored, or refused with a reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type request from 'supertest';
import { createTestApp, csrfFrom, register, type TestApp } from '../helpers/app.js';
import { solidPng } from '../helpers/fixtures.js';
import { BOUNDARY, multipartType } from './multipart.js';

const MAX_FILES = 6;

let t: TestApp;
let agent: request.Agent;
let token: string;
let good: Buffer;
beforeAll(async () => {
  t = await createTestApp({ env: { MAX_FILES: String(MAX_FILES) } });
  agent = t.agent();
  expect((await register(agent, 'sender')).status).toBe(303);
  token = await csrfFrom(agent, '/upload');
  good = await solidPng('#8e44ad', 40, 30);
});
afterAll(() => t.close());

/** One part as raw bytes: its header lines exactly as given. */
const part = (headers: string[], data: Buffer | string) =>
  Buffer.concat([Buffer.from(`--${BOUNDARY}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`, 'latin1'), Buffer.from(data), Buffer.from('\r\n')]);
const goodPart = (name: string) => part([`Content-Disposition: form-data; name="images"; filename="${name}"`, 'Content-Type: image/png'], good);
const body = (...parts: Buffer[]) =>
  Buffer.concat([part(['Content-Disposition: form-data; name="visibility"'], 'public'), part(['Content-Disposition: form-data; name="duplicates"'], 'keep'), ...parts, Buffer.from(`--${BOUNDARY}--\r\n`)]);
const send = (data: Buffer) =>
  agent.post('/images').set('X-CSRF-Token', token).set('Accept', 'application/json').set('Content-Type', multipartType()).send(data);

type Result = { filename: string; ok: boolean; reason?: string; error?: string; image?: { originalName: string } };

async function expectOnlyStored(count: number, before: number) {
  expect(await t.count('images')).toBe(before + count);
  expect(await t.storedFiles()).toHaveLength(2 * (before + count));
  for (let i = 0; i < 100 && t.incomingFiles().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(t.incomingFiles()).toEqual([]);
}

const NO_NAME = { reason: 'no-file-name', error: 'not sent as a file: the part has no file name' };
const UNREADABLE = { reason: 'unreadable-part', error: "not read: the part's headers are malformed" };

const ODD_PARTS: [string, () => Buffer, { filename: string; reason: string; error: string }][] = [
  ['a part named "images" without a file name', () => part(['Content-Disposition: form-data; name="images"'], 'some text'), { filename: 'unnamed', ...NO_NAME }],
  ['a PNG named "images" without a file name (over the 1 KB field limit)', () => part(['Content-Disposition: form-data; name="images"', 'Content-Type: image/png'], Buffer.concat([good, Buffer.alloc(2048)])), { filename: 'unnamed', ...NO_NAME }],
  ['an octet-stream part without a file name', () => part(['Content-Disposition: form-data; name="images"', 'Content-Type: application/octet-stream'], good), { filename: 'unnamed', ...NO_NAME }],
  ['a part without Content-Disposition', () => part(['Content-Type: image/png'], good), { filename: 'unnamed', ...UNREADABLE }],
  ['a disposition that is not form-data', () => part(['Content-Disposition: attachment; name="images"; filename="att.png"', 'Content-Type: image/png'], good), { filename: 'att.png', ...UNREADABLE }],
  ['a disposition that cannot be parsed', () => part(['Content-Disposition: form-data; name="images"; filename="open.png', 'Content-Type: image/png'], good), { filename: 'unnamed', ...UNREADABLE }],
  ['a header line without a colon', () => part(['Content-Disposition: form-data; name="images"; filename="colon.png"', 'not a header'], good), { filename: 'unnamed', ...UNREADABLE }],
  ['a raw NUL byte in its file name', () => part(['Content-Disposition: form-data; name="images"; filename="nul\u0000.png"'], good), { filename: 'unnamed', ...UNREADABLE }],
  ['a file under another field name', () => part(['Content-Disposition: form-data; name="file"; filename="other.png"', 'Content-Type: image/png'], good), { filename: 'other.png', reason: 'wrong-field', error: 'sent as "file" instead of "images"' }],
];

describe('parts that would be dropped', () => {
  it.each(ODD_PARTS)('when a batch has %s between good files, then it is one refused result with its reason and the good files are stored', async (_what, odd, refused) => {
    const before = await t.count('images');
    const res = await send(body(goodPart('first.png'), odd(), goodPart('last.png')));
    expect(res.status).toBe(200);
    const results = res.body.results as Result[];
    expect(results.map((r) => [r.filename, r.ok])).toEqual([['first.png', true], [refused.filename, false], ['last.png', true]]);
    expect(results[1]).toEqual({ ok: false, ...refused });
    await expectOnlyStored(2, before);
  });

  it('when it is the only part, then the answer is 400 with its result', async () => {
    const before = await t.count('images');
    const res = await send(body(part(['Content-Type: image/png'], good)));
    expect(res.status).toBe(400);
    expect(res.body.results).toEqual([{ filename: 'unnamed', ok: false, ...UNREADABLE }]);
    await expectOnlyStored(0, before);
  });

  it('when six file parts are sent and two are odd, then there are six results in the order sent', async () => {
    const before = await t.count('images');
    const res = await send(body(
      goodPart('1.png'), part(['Content-Disposition: form-data; name="images"'], 'x'), goodPart('3.png'),
      goodPart('4.png'), part(['Content-Disposition: form-data; name="upload"; filename="5.png"'], good), goodPart('6.png'),
    ));
    expect(res.status).toBe(200);
    expect((res.body.results as Result[]).map((r) => [r.filename, r.ok, r.reason])).toEqual([
      ['1.png', true, undefined], ['unnamed', false, 'no-file-name'], ['3.png', true, undefined],
      ['4.png', true, undefined], ['5.png', false, 'wrong-field'], ['6.png', true, undefined],
    ]);
    await expectOnlyStored(4, before);
  });

  it('when odd parts make the batch more files than the limit, then 413 names the limit and nothing is kept', async () => {
    const before = await t.count('images');
    const odd = part(['Content-Disposition: form-data; name="file"; filename="odd.png"'], good);
    const res = await send(body(...Array.from({ length: MAX_FILES }, (_, i) => goodPart(`${i}.png`)), odd));
    expect(res.status).toBe(413);
    expect(res.body.error).toBe(`Too many files: at most ${MAX_FILES} in one upload.`);
    await expectOnlyStored(0, before);
  });

  it('when a file name is only dots, then the file is stored as "unnamed"', async () => {
    const before = await t.count('images');
    const res = await send(body(goodPart('..')));
    expect(res.status).toBe(200);
    expect(res.body.results).toMatchObject([{ filename: 'unnamed', ok: true, image: { originalName: 'unnamed' } }]);
    await expectOnlyStored(1, before);
  });

  it('when a file input was left empty, as a browser sends it (no name, no bytes), then it is no file and gets no result', async () => {
    const before = await t.count('images');
    const empty = part(['Content-Disposition: form-data; name="images"; filename=""', 'Content-Type: application/octet-stream'], '');
    const res = await send(body(goodPart('kept.png'), empty));
    expect(res.status).toBe(200);
    expect((res.body.results as Result[]).map((r) => r.filename)).toEqual(['kept.png']);
    await expectOnlyStored(1, before);
  });

  it('when the value of a text field holds the boundary with something else after it, then it stays one field', async () => {
    const before = await t.count('images');
    // "\r\n--BOUNDARY" followed by neither "--" nor CRLF is data, for busboy and so for the upload.
    const tricky = `abc\r\n--${BOUNDARY}xyz`;
    const res = await send(body(part(['Content-Disposition: form-data; name="note"'], tricky), goodPart('after.png')));
    expect(res.status).toBe(200);
    expect((res.body.results as Result[]).map((r) => [r.filename, r.ok])).toEqual([['after.png', true]]);
    await expectOnlyStored(1, before);
  });
});
