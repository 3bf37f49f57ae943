// A selection as one zip, streamed: one stored object open at a time, so memory stays flat however many there are.
import type { Response } from 'express';
import type { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { notFound } from '../errors.js';
import type { Logger } from '../log.js';
import { NO_SUCH_IMAGE } from '../images/access.js';

/** One file of the zip: its name in it, its time, and its bytes (undefined when the object is gone). */
export type ZipEntry = { name: string; mtime: Date; open: () => Promise<Readable | undefined> };

// Characters some system refuses in a file name (Windows the most), and the device names it reserves.
const UNSAFE = /[<>:"/\\|?*\u0000-\u001f\u007f]/g;
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;

/** A name every system can write: no separators or reserved characters, no trailing dot or space, no device name. */
export function safeEntryName(name: string): string {
  const safe = name.replace(UNSAFE, '_').replace(/[. ]+$/, '') || 'image';
  return RESERVED.test(safe) ? `_${safe}` : safe;
}

/**
 * The names of a zip's files, in order: each safe, and unique as case-insensitive systems see them ("a.jpg",
 * "a (2).jpg", "A (3).JPG").
 */
export function uniqueEntryNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((raw) => {
    const name = safeEntryName(raw);
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    let candidate = name;
    for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}

/**
 * Answers with the zip. Entries are stored, not compressed (photos are compressed already), and ZIP64 is used
 * when the zip passes 4 GB or 65,535 files (yazl decides). An entry whose object is gone is left out and logged.
 * The answer starts with the first entry's bytes, so an error before them is still a proper error page.
 */
export async function sendZip(res: Response, fileName: string, entries: readonly ZipEntry[], log: Logger): Promise<void> {
  const zip = new ZipFile();
  let sending: Promise<void> | undefined;
  let gone = false;
  for (const entry of entries) {
    // A viewer gone before the next object is opened: nothing more is read for them.
    if (res.destroyed) return;
    const body = await entry.open();
    if (!body) {
      log.error({ file: entry.name }, 'a stored file of a zip is missing');
      continue;
    }
    if (!sending) {
      res.attachment(fileName).set({ 'Content-Type': 'application/zip', 'Cache-Control': 'private, no-cache' });
      sending = pipeline(zip.outputStream, res).catch(() => void (gone = true));
    }
    zip.addReadStream(body, entry.name, { mtime: entry.mtime, compress: false });
    // The next object is opened once this one is in the zip; a viewer who goes away ends it, and a store
    // failing mid-object cuts the answer off (a zip with a hole in it must not look whole).
    await Promise.race([finished(body).catch((err: Error) => {
      log.error({ err, file: entry.name }, 'a stored file of a zip failed mid-way');
      gone = true;
      res.destroy(err);
    }), sending]);
    if (gone) {
      body.destroy();
      return;
    }
  }
  if (!sending) throw notFound(NO_SUCH_IMAGE);
  zip.end();
  await sending;
}
