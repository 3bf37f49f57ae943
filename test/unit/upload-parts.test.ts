import { describe, expect, it } from 'vitest';
import { UploadParts, type PartEntry } from '../../src/images/upload-parts.js';

const B = 'unit-boundary';
const limits = { field: 'images', maxFiles: 10, maxParts: 20, maxPartBytes: 1 << 20 };

const part = (headers: string[], data: string) => `--${B}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n${data}\r\n`;
const body = Buffer.from([
  'preamble\r\n',
  part(['Content-Disposition: form-data; name="visibility"'], 'public'),
  part(['Content-Disposition: form-data; name="images"; filename="a.png"', 'Content-Type: image/png'], `data\r\n--${B}x and more data`),
  part(['Content-Disposition: form-data; name="images"'], 'no name'),
  part(['Content-Disposition: form-data; name="images"; filename="b.png"'], `x\r\n-${B}\r\n--${B.slice(0, 5)}`),
  `--${B}--\r\nepilogue`,
].join(''), 'latin1');

/** The tap's output for `input` cut into chunks of `size` bytes, and its entries. */
async function run(input: Buffer, size: number): Promise<{ out: string; entries: PartEntry[] }> {
  const errors: Error[] = [];
  const tap = new UploadParts(B, limits, (err) => errors.push(err));
  const chunks: Buffer[] = [];
  tap.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => tap.on('end', resolve));
  for (let at = 0; at < input.length; at += size) tap.write(input.subarray(at, at + size));
  tap.end();
  await ended;
  expect(errors).toEqual([]);
  return { out: Buffer.concat(chunks).toString('latin1'), entries: tap.entries };
}

describe('the upload parts tap', () => {
  it('when a body arrives in chunks of any size, then what it passes on and what it refuses are the same as in one piece', async () => {
    const whole = await run(body, body.length);
    expect(whole.entries).toEqual([
      { passed: true },
      { passed: false, filename: '', rejection: { reason: 'no-file-name' } },
      { passed: true },
    ]);
    // The false delimiter ends the first file there, as busboy would; the names are rewritten, the rest is not.
    expect(whole.out).toBe([
      `\r\n--${B}\r\nContent-Disposition: form-data; name="visibility"\r\n\r\npublic`,
      `\r\n--${B}\r\nContent-Disposition: form-data; name="images"; filename*=UTF-8''a.png\r\nContent-Type: application/octet-stream\r\n\r\ndata`,
      `\r\n--${B}\r\nContent-Disposition: form-data; name="images"; filename*=UTF-8''b.png\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n-${B}\r\n--${B.slice(0, 5)}`,
      `\r\n--${B}--\r\n`,
    ].join(''));
    for (let size = 1; size <= 64; size++) expect(await run(body, size), `chunks of ${size}`).toEqual(whole);
  });
});
