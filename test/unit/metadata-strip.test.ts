import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageFormat } from '../../src/images/analysis.js';
import { withoutIdentifyingMetadata } from '../../src/images/metadata/index.js';
import { noiseRaw } from '../helpers/fixtures.js';
import { EXIFTOOL, useExiftool } from '../helpers/services.js';

useExiftool();
const scratch = mkdtempSync(path.join(tmpdir(), 'metadata-strip-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What a camera or an editor leaves that names a person, a place or a device. */
const IDENTIFYING = [
  '-GPSLatitude=48.8584', '-GPSLatitudeRef=N', '-GPSLongitude=2.2945', '-GPSLongitudeRef=E',
  '-SerialNumber=BODY-12345', '-LensSerialNumber=LENS-67890', '-Artist=Alice Example', '-Copyright=Alice Example',
  '-OwnerName=Alice Example', '-XMP-dc:Creator=Alice Example', '-XMP-photoshop:City=Paris', '-Comment=taken by Alice Example',
];

function tags(file: string): Record<string, unknown> {
  return JSON.parse(execFileSync(EXIFTOOL, ['-j', '-G1', '-a', '-n', file], { encoding: 'utf8' }))[0];
}
const leaks = (found: Record<string, unknown>) =>
  Object.entries(found).filter(([key, value]) => /GPS|Serial|Artist|Copyright|Owner|Creator|City|Comment|ThumbnailImage|PreviewImage/.test(key) || String(value).includes('Alice'))
    .map(([key]) => key).filter((key) => !/^(File|System|ExifTool|ICC[-_][A-Za-z]+):/.test(key)); // the kept colour profile names its maker

/** A small photo-like picture (noise, so a changed pixel shows) with a colour profile, in `format`, then the camera's tags. */
async function fixture(format: ImageFormat, orientation?: number): Promise<string> {
  const noise = await sharp(noiseRaw(48, 32), { raw: { width: 48, height: 32, channels: 3 } }).png().toBuffer();
  const file = path.join(scratch, `${format}-${orientation ?? 1}.${format === 'jpeg' ? 'jpg' : format}`);
  const encoded = sharp(noise).withIccProfile('p3');
  writeFileSync(file, await (format === 'tiff' ? encoded.tiff({ compression: 'lzw' }) : encoded.toFormat(format)).toBuffer());
  const extra = orientation && format !== 'avif' && format !== 'gif' ? [`-Orientation#=${orientation}`] : [];
  const written = format === 'gif' ? IDENTIFYING.filter((t) => t.startsWith('-XMP') || t.startsWith('-Comment')) : IDENTIFYING;
  execFileSync(EXIFTOOL, ['-q', '-overwrite_original', ...written, ...extra, file]);
  return file;
}

const pixels = async (file: Buffer) => sharp(file, { animated: true }).raw().toBuffer();

describe('metadata others are served', () => {
  for (const format of ['jpeg', 'png', 'webp', 'avif', 'tiff', 'gif'] as const) {
    it(`when a ${format} carries a location, serial numbers and names, then the cleaned copy has none of them and the same pixels`, async () => {
      const original = await fixture(format, 6);
      expect(leaks(tags(original)).length).toBeGreaterThan(format === 'gif' ? 1 : 8); // the fixture does carry them
      const cleaned = await withoutIdentifyingMetadata(readFileSync(original), format);
      const out = path.join(scratch, `clean-${path.basename(original)}`);
      writeFileSync(out, cleaned);
      const after = tags(out);
      expect(leaks(after)).toEqual([]);
      expect(Object.keys(after).filter((key) => key.startsWith('XMP'))).toEqual([]);
      expect(await pixels(cleaned)).toEqual(await pixels(readFileSync(original)));
      if (format !== 'gif') expect((await sharp(cleaned).metadata()).icc?.length).toBe((await sharp(original).metadata()).icc?.length);
      if (format !== 'avif' && format !== 'gif') expect((await sharp(cleaned).metadata()).orientation).toBe(6);
    });
  }

  it('when a JPEG has no orientation, then the cleaned copy gets no EXIF at all, and its image data is byte for byte the original\'s', async () => {
    const original = readFileSync(await fixture('jpeg'));
    const cleaned = await withoutIdentifyingMetadata(original, 'jpeg');
    expect((await sharp(cleaned).metadata()).exif).toBeUndefined();
    const scan = (file: Buffer) => file.subarray(file.indexOf(Buffer.from([0xff, 0xda])));
    expect(scan(cleaned).equals(scan(original))).toBe(true);
  });

  it('when a JPEG has pictures after its end (as phones store a preview), then they are cut off', async () => {
    const original = readFileSync(await fixture('jpeg'));
    const trailer = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).jpeg().withExif({ IFD0: { Artist: 'Alice Example' } }).toBuffer();
    const cleaned = await withoutIdentifyingMetadata(Buffer.concat([original, trailer]), 'jpeg');
    expect(cleaned.includes('Alice')).toBe(false);
    expect(cleaned.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
  });

  it('when a file is cut short, then it is written anew without its metadata rather than served as it is', async () => {
    const original = readFileSync(await fixture('png'));
    const truncated = original.subarray(0, original.length - 12); // no IEND
    const cleaned = await withoutIdentifyingMetadata(truncated, 'png');
    expect(cleaned.includes('Alice')).toBe(false);
    expect((await sharp(cleaned).metadata()).width).toBe(48);
  });
});
