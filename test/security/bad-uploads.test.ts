// Every kind of bad upload of issue 6 §2: each gets a clear per-file error or a clear 4xx, the app keeps
// serving, good files in the same batch are kept, and nothing stray is left in the storage or the database.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import contentDisposition from 'content-disposition';
import type request from 'supertest';
import { createTestApp, csrfFrom, register, type TestApp } from '../helpers/app.js';
import {
  badCrcPng, bombPng, htmlPage, manyFrameGif, noiseImage, solidPng, svgWithScript, textFile, truncatedJpeg,
} from '../helpers/fixtures.js';
import { BOUNDARY, multipart, multipartType, type Part } from './multipart.js';
import { registerUser } from '../helpers/live-server.js';

const MAX_FILES = 6;
const MB = 1024 * 1024;

let t: TestApp;
let agent: request.Agent;
let token: string;
let good: Buffer;
beforeAll(async () => {
  t = await createTestApp({ env: { MAX_FILE_MB: '1', MAX_FILES: String(MAX_FILES) } });
  agent = t.agent();
  expect((await register(agent, 'uploader')).status).toBe(303);
  token = await csrfFrom(agent, '/upload');
  good = await solidPng('#27ae60', 48, 32);
});
afterAll(() => t.close());

const json = (test: request.Test) => test.set('Accept', 'application/json');
const post = () => json(agent.post('/images')).set('X-CSRF-Token', token);

function uploadFiles(files: { name: string; data: Buffer }[], visibility = 'public') {
  let req = post().field('visibility', visibility).field('duplicates', 'keep'); // the same good file every time
  for (const f of files) req = req.attach('images', f.data, f.name);
  return req;
}

const sendRaw = (body: Buffer, contentType = multipartType()) => post().set('Content-Type', contentType).send(body);

type State = { rows: number; labels: number; terms: number; files: string[] };
const state = async (): Promise<State> => ({ rows: await t.count('images'), labels: await t.labelCount(), terms: await t.count('image_terms'), files: await t.storedFiles() });

async function eventually(check: () => void, ms = 3000) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Nothing stray: rows and files are as before plus exactly `added` good images, the temp folder empties, the app still answers. */
async function expectClean(before: State, added = 0) {
  expect(await t.count('images')).toBe(before.rows + added);
  expect(await t.labelCount()).toBe(before.labels + 3 * added);
  const newFiles = (await t.storedFiles()).filter((f) => !before.files.includes(f));
  expect(newFiles).toHaveLength(2 * added);
  for (const f of newFiles) expect(f).toMatch(/^[0-9a-f-]{36}\.(png|thumb\.webp)$/);
  await eventually(() => expect(t.incomingFiles()).toEqual([]));
  const alive = await json(agent.get('/'));
  expect(alive.status).toBe(200);
  expect(alive.body.total).toBe(before.rows + added);
}

type BadFile = { what: string; name: string; data: () => Promise<Buffer> | Buffer; reason: string; error: RegExp; status: number };

const BAD_FILES: BadFile[] = [
  { what: 'an empty (0-byte) file', name: 'empty.jpg', data: () => Buffer.alloc(0), reason: 'not-an-image', error: /^not an image$/, status: 415 },
  { what: 'a text file named .jpg', name: 'notes.jpg', data: () => textFile, reason: 'not-an-image', error: /^not an image$/, status: 415 },
  { what: 'an HTML page with script', name: 'page.html', data: () => htmlPage, reason: 'not-an-image', error: /^not an image$/, status: 415 },
  { what: 'an HTML page with script named .png', name: 'page.png', data: () => htmlPage, reason: 'not-an-image', error: /^not an image$/, status: 415 },
  { what: 'an SVG with script', name: 'drawing.svg', data: () => svgWithScript, reason: 'unsupported-format', error: /^unsupported format: svg$/, status: 415 },
  { what: 'a truncated JPEG', name: 'cut.jpg', data: () => truncatedJpeg(), reason: 'damaged', error: /^not a valid image: the file is damaged or incomplete$/, status: 400 },
  { what: 'a PNG with a bad CRC', name: 'crc.png', data: () => badCrcPng(), reason: 'damaged', error: /^not a valid image: the file is damaged or incomplete$/, status: 400 },
  { what: 'a decompression bomb (50,000 x 50,000 PNG)', name: 'bomb.png', data: () => bombPng(), reason: 'too-many-pixels', error: /^image too big: 50000 x 50000 pixels$/, status: 400 },
  { what: 'a file over the size limit', name: 'big.png', data: () => Buffer.alloc(MB + 10, 1), reason: 'too-large', error: /^too large: 1 MB, the limit is 1 MB$/, status: 413 },
];

describe('a bad file alone, and in a batch between good ones', () => {
  it.each(BAD_FILES)('when it is $what, then it gets a clear error, good files are kept and nothing stray remains', async (bad) => {
    const data = await bad.data();
    const before = await state();
    const alone = await uploadFiles([{ name: bad.name, data }]);
    expect(alone.status).toBe(bad.status);
    expect(alone.body.results).toEqual([{ filename: bad.name, ok: false, reason: bad.reason, error: expect.stringMatching(bad.error) }]);
    await expectClean(before);

    const mixed = await uploadFiles([{ name: 'good-1.png', data: good }, { name: bad.name, data }, { name: 'good-2.png', data: good }]);
    expect(mixed.status).toBe(200);
    expect(mixed.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false, true]);
    expect(mixed.body.results[1].error).toMatch(bad.error);
    await expectClean(before, 2);
  });
});

describe('animations with thousands of frames', () => {
  // Accepted formats (issue 3): only the first frame is decoded, so thousands of frames cost no more than one.
  it.each([
    ['a GIF', () => manyFrameGif(3000), 'gif'],
    ['a WebP', async () => sharp(await manyFrameGif(3000), { animated: true }).webp({ effort: 0 }).toBuffer(), 'webp'],
  ] as const)('when %s has 3,000 frames, then its first frame is stored quickly as one 16 x 16 image', async (_what, make, format) => {
    const data = await make();
    expect((await sharp(data).metadata()).pages).toBe(3000);
    const before = await state();
    const started = performance.now();
    const res = await uploadFiles([{ name: `frames.${format}`, data }]);
    const ms = performance.now() - started;
    expect(res.status).toBe(200);
    expect(res.body.results[0].image).toMatchObject({ width: 16, height: 16 });
    expect(ms).toBeLessThan(3000);
    expect((await t.storedFiles()).filter((f) => !before.files.includes(f)).sort()).toEqual([`${res.body.results[0].image.id}.${format}`, `${res.body.results[0].image.id}.thumb.webp`].sort());
    await eventually(() => expect(t.incomingFiles()).toEqual([]));
    // Leave the state as it was for the other tests' counts.
    await json(agent.post(`/images/${res.body.results[0].image.id}/delete`)).set('X-CSRF-Token', token).expect(200);
    await json(agent.post('/trash/delete')).set('X-CSRF-Token', token).send({ all: 'yes' }).expect(200);
    await expectClean(before);
  });
});

describe('the whole request refused', () => {
  it('when one file is far over the size limit, then 413 names it and the batch is not kept', async () => {
    const before = await state();
    const res = await uploadFiles([{ name: 'good.png', data: good }, { name: 'huge.png', data: Buffer.alloc(5 * MB, 1) }]);
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('A file is far over the size limit; nothing was uploaded.');
    await expectClean(before);
  });

  it('when there are more files than the limit, then 413 names the limit', async () => {
    const before = await state();
    const res = await uploadFiles(Array.from({ length: MAX_FILES + 1 }, (_, i) => ({ name: `${i}.png`, data: good })));
    expect(res.status).toBe(413);
    expect(res.body.error).toBe(`Too many files: at most ${MAX_FILES} in one upload.`);
    await expectClean(before);
  });

  it.each([
    ['missing', undefined],
    ['unknown', 'secret'],
    ['in capitals', 'PUBLIC'],
    ['empty', ''],
  ])('when visibility is %s, then 400 asks to choose', async (_what, visibility) => {
    const before = await state();
    const parts: Part[] = [{ name: 'images', filename: 'good.png', data: good, type: 'image/png' }];
    if (visibility !== undefined) parts.unshift({ name: 'visibility', value: visibility });
    const res = await sendRaw(multipart(parts));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Choose whether the images are public or private.');
    await expectClean(before);
  });

  it('when visibility is sent twice, then 400 and nothing is kept', async () => {
    const before = await state();
    const res = await sendRaw(multipart([
      { name: 'visibility', value: 'public' }, { name: 'visibility', value: 'private' },
      { name: 'images', filename: 'good.png', data: good },
    ]));
    expect(res.status).toBe(400);
    await expectClean(before);
  });

  it('when no file is sent, then 400 asks for one', async () => {
    const before = await state();
    const res = await sendRaw(multipart([{ name: 'visibility', value: 'public' }]));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Choose at least one image to upload.');
    await expectClean(before);
  });

  it('when a form field is over 1 KB, then 413 says so and nothing is kept', async () => {
    const before = await state();
    const res = await sendRaw(multipart([{ name: 'visibility', value: 'p'.repeat(2000) }, { name: 'images', filename: 'good.png', data: good }]));
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('A form field is too long.');
    await expectClean(before);
  });

  it('when the form has more fields than an upload needs, then 413 says so and nothing is kept', async () => {
    const before = await state();
    const fields = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, value: 'x' }));
    const res = await sendRaw(multipart([{ name: 'visibility', value: 'public' }, { name: 'images', filename: 'good.png', data: good }, ...fields]));
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('Too many fields in the form.');
    await expectClean(before);
  });

  it('when the file field has another name, then its file is refused with 400 naming the right one', async () => {
    const before = await state();
    const res = await sendRaw(multipart([{ name: 'visibility', value: 'public' }, { name: 'file', filename: 'good.png', data: good }]));
    expect(res.status).toBe(400);
    expect(res.body.results).toEqual([{ filename: 'good.png', ok: false, reason: 'wrong-field', error: 'sent as "file" instead of "images"' }]);
    await expectClean(before);
  });
});

describe('malformed multipart bodies', () => {
  const whole = () => multipart([{ name: 'visibility', value: 'public' }, { name: 'images', filename: 'good.png', data: good }]);
  const cases: [string, () => Buffer, string?][] = [
    ['cut off before the closing boundary', () => whole().subarray(0, whole().length - 200)],
    ['cut off inside the part headers', () => Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="images"; filena`)],
    ['random bytes', () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))],
    ['a part header without a colon', () => Buffer.from(`--${BOUNDARY}\r\nthis is not a header\r\n\r\nx\r\n--${BOUNDARY}--\r\n`)],
    ['a part without Content-Disposition', () => Buffer.from(`--${BOUNDARY}\r\nContent-Type: image/png\r\n\r\nx\r\n--${BOUNDARY}--\r\n`)],
    ['an empty body', () => Buffer.alloc(0)],
    ['no boundary in the Content-Type', whole, 'multipart/form-data'],
    ['another boundary than the body uses', whole, multipartType('not-the-boundary')],
    ['sent as multipart/mixed', whole, `multipart/mixed; boundary=${BOUNDARY}`],
  ];
  it.each(cases)('when the body is %s, then a clear 4xx and nothing is kept', async (_what, body, contentType) => {
    const before = await state();
    const res = await sendRaw(body(), contentType);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error).toMatch(/^[A-Z].{10,}/);
    await expectClean(before);
  });
});

describe('file names', () => {
  type Outcome = { kept: string; download?: string } | { refused: string };
  const NAMES: [string, Partial<Extract<Part, { filename: string }>> & { filename: string }, Outcome][] = [
    ['a path with ../', { filename: '../../../etc/passwd.png' }, { kept: 'passwd.png' }],
    ['a Windows path', { filename: 'C:\\Users\\eve\\..\\pic.png' }, { kept: 'pic.png' }],
    ['a NUL byte in filename*', { filename: '', disposition: `form-data; name="images"; filename*=UTF-8''before%00after.png` }, { kept: 'beforeafter.png' }],
    ['1,000 characters', { filename: `${'x'.repeat(996)}.png` }, { kept: `${'x'.repeat(196)}.png` }],
    ['right-to-left marks', { filename: 'holiday\u202Egnp.exe\u200F.png' }, { kept: 'holidaygnp.exe.png' }],
    ['emoji', { filename: '🐱 cat 🎉.png' }, { kept: '🐱 cat 🎉.png' }],
    ['quotes and a semicolon', { filename: 'a%22; filename=evil.png' }, { kept: 'a"; filename=evil.png' }],
    // busboy keeps only the last path segment, so ".." names no file at all: the file is kept without a name.
    ['only dots', { filename: '..' }, { kept: 'unnamed', download: 'unnamed.png' }],
    // A raw NUL inside a part header is not valid multipart (browsers never send one): that part is refused.
    ['a raw NUL byte', { filename: 'before\u0000after.png' }, { refused: "not read: the part's headers are malformed" }],
  ];
  it.each(NAMES)('when the name has %s, then a clean name is kept (or a clear 400) and the file on disk is a UUID', async (_what, file, outcome) => {
    const before = await state();
    const res = await sendRaw(multipart([{ name: 'visibility', value: 'public' }, { name: 'duplicates', value: 'keep' }, { name: 'images', data: good, type: 'image/png', ...file }]));
    if ('refused' in outcome) {
      expect(res.status).toBe(400);
      expect(res.body.results).toEqual([{ filename: 'unnamed', ok: false, reason: 'unreadable-part', error: outcome.refused }]);
      await expectClean(before);
      return;
    }
    expect(res.status).toBe(200);
    const image = res.body.results[0].image as { id: string; originalName: string };
    expect(image.originalName).toBe(outcome.kept);
    expect(await t.rows`SELECT original_name FROM images WHERE id = ${image.id}`).toEqual([{ original_name: outcome.kept }]);
    await expectClean(before, 1);
    const download = await agent.get(`/images/${image.id}/download`);
    expect(download.status).toBe(200);
    const header = download.headers['content-disposition'] as string;
    expect(header).not.toMatch(/[\r\n\u0000]/);
    // Read back as a browser would: one attachment whose name is the kept one, never a parameter the user injected.
    const parsed = contentDisposition.parse(header);
    expect(parsed.type).toBe('attachment');
    expect(parsed.parameters.filename).toBe(outcome.download ?? outcome.kept);
  });
});

describe('a client that stalls mid-upload', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    // The production server keeps Node's default requestTimeout (5 minutes); here it is 2 s so the test is quick.
    server = createServer({ requestTimeout: 2000, headersTimeout: 1000, connectionsCheckingInterval: 250 }, t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('when half the body is sent and then nothing, then the server ends the request and the temp file is removed', async () => {
    // The session and the CSRF token (a double-submit cookie) as a browser would hold them after the visit.
    const { cookie, token: csrf } = await registerUser(`http://127.0.0.1:${port}`, 'staller');
    const before = await state();
    const body = multipart([{ name: 'visibility', value: 'public' }, { name: 'images', filename: 'slow.png', data: await noiseImage('png', 400, 300) }]);
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    const closed = new Promise<string>((resolve) => {
      let answer = '';
      socket.on('data', (d) => (answer += d.toString('latin1')));
      socket.on('close', () => resolve(answer));
      socket.on('error', () => undefined);
    });
    socket.write(
      `POST /images HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nX-CSRF-Token: ${csrf}\r\n` +
        `Accept: application/json\r\nContent-Type: ${multipartType()}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, body.length >> 1));
    // The half that arrived is on disk while the client stalls.
    await eventually(() => expect(t.incomingFiles()).toHaveLength(1), 1500);

    const answer = await closed;
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1500);
    expect(waited).toBeLessThan(5000);
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
    await expectClean(before);
  });
});
