import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type request from 'supertest';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, emptyTrash, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { noiseImage } from '../helpers/fixtures.js';
import { EXIFTOOL, useExiftool } from '../helpers/services.js';
import { binary, tagsOf } from '../helpers/served.js';

useExiftool();
const scratch = mkdtempSync(path.join(tmpdir(), 'metadata-leak-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A phone-like JPEG: noise pixels, a GPS position, the body's serial number and the owner's name. */
async function photoWithLocation(): Promise<Buffer> {
  const file = path.join(scratch, 'phone.jpg');
  writeFileSync(file, await noiseImage('jpeg', 64, 48));
  execFileSync(EXIFTOOL, ['-q', '-overwrite_original', '-GPSLatitude=48.8584', '-GPSLatitudeRef=N', '-GPSLongitude=2.2945',
    '-GPSLongitudeRef=E', '-SerialNumber=BODY-12345', '-OwnerName=Alice Example', '-Orientation#=6', file]);
  return readFileSync(file);
}


let t: TestApp;
let owner: request.Agent;
let other: request.Agent;
let original: Buffer;
let id: string;
beforeEach(async () => {
  t = await createTestApp();
  owner = await signedInAgent(t, 'owner');
  other = await signedInAgent(t, 'other');
  original = await photoWithLocation();
  const res = await upload(owner, [{ name: 'phone.jpg', data: original }], 'public');
  expect(res.status).toBe(200);
  id = res.body.results[0].image.id;
});
afterEach(() => t.close());

describe('identifying metadata', () => {
  it('when another user views or downloads a public photo, then no location, serial or name comes with it, and the pixels and orientation are the same', async () => {
    for (const url of [`/images/${id}/file`, `/images/${id}/download`]) {
      const res = await binary(other, url);
      expect(res.status).toBe(200);
      const tags = tagsOf(res.body);
      expect(Object.keys(tags).filter((k) => /GPS|Serial|Owner/.test(k))).toEqual([]);
      expect(tags.Orientation).toBe(6);
      expect(await sharp(res.body).raw().toBuffer()).toEqual(await sharp(original).raw().toBuffer());
    }
    const thumb = await binary(other, `/images/${id}/thumb`);
    expect((await sharp(thumb.body).metadata()).exif).toBeUndefined();
  });

  it('when another user asks for a byte range, then it is a range of the cleaned copy', async () => {
    const whole = (await binary(other, `/images/${id}/file`)).body;
    const part = await binary(other, `/images/${id}/file`).set('Range', 'bytes=2-99');
    expect(part.status).toBe(206);
    expect(part.body).toEqual(whole.subarray(2, 100));
  });

  it('when the owner views or downloads it, then it is the original, byte for byte', async () => {
    await binary(other, `/images/${id}/file`); // the copy for others exists by now
    for (const url of [`/images/${id}/file`, `/images/${id}/download`]) {
      const res = await binary(owner, url);
      expect(res.status).toBe(200);
      expect(res.body.equals(original)).toBe(true);
    }
  });

  it('when the photo is deleted after others have seen it, then the copy for others goes with it', async () => {
    await binary(other, `/images/${id}/file`);
    expect(await t.storedKeys()).toEqual([`${id}.jpeg`, `${id}.shared.jpeg`, `${id}.thumb.webp`]);
    const res = await owner.post(`/images/${id}/delete`).type('form').send({ _csrf: await csrfFrom(owner, `/images/${id}`), confirmed: 'yes' });
    expect(res.status).toBe(303);
    expect((await binary(other, `/images/${id}/file`)).status).toBe(404);
    expect((await emptyTrash(owner, [id])).status).toBe(200);
    expect(await t.storedKeys()).toEqual([]);
    expect((await binary(other, `/images/${id}/file`)).status).toBe(404);
  });
});
