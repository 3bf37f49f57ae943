// What a route served, read as a user's tools would: the bytes themselves, and the tags exiftool finds in them.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import type request from 'supertest';
import yauzl from 'yauzl';
import { EXIFTOOL } from './services.js';

/** A supertest parser that keeps the bytes served as `body` (supertest would otherwise parse or drop an image's or a zip's). */
export const bytes = (res: request.Response, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

/** A GET whose `body` is the bytes served. */
export const binary = (agent: request.Agent, url: string) => agent.get(url).buffer(true).parse(bytes);

export type ZipEntry = { name: string; bytes: Buffer; utf8: boolean };

/** The files of a zip as an unzip tool reads them (strict names, sizes checked): name, bytes, and whether the name is flagged UTF-8. */
export function zipEntries(data: Buffer): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(data, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, zip) => {
      if (err) return reject(err);
      const entries: ZipEntry[] = [];
      zip.on('entry', (entry: yauzl.Entry) => zip.openReadStream(entry, (e, stream) => {
        if (e) return reject(e);
        buffer(stream).then((content) => {
          entries.push({ name: entry.fileName, bytes: content, utf8: (entry.generalPurposeBitFlag & 0x800) !== 0 });
          zip.readEntry();
        }, reject);
      }));
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Every tag exiftool reads in `bytes` (numbers as numbers: -n); needs useExiftool() in the test file. */
export function tagsOf(bytes: Buffer): Record<string, unknown> {
  const file = path.join(tmpdir(), `served-${randomUUID()}`);
  writeFileSync(file, bytes);
  try {
    return JSON.parse(execFileSync(EXIFTOOL, ['-j', '-n', file], { encoding: 'utf8' }))[0];
  } finally {
    rmSync(file, { force: true });
  }
}
