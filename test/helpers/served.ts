// What a route served, read as a user's tools would: the bytes themselves, and the tags exiftool finds in them.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type request from 'supertest';
import { EXIFTOOL } from './services.js';

/** A GET whose `body` is the bytes served (supertest would otherwise parse or drop an image's). */
export const binary = (agent: request.Agent, url: string) =>
  agent.get(url).buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });

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
