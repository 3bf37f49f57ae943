import { existsSync, readdirSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Analysis, analyseImage, ImageRejected } from '../../src/images/analysis.js';
import { MODEL_INPUT_SIZE } from '../../src/images/classifier.js';
import * as fx from '../helpers/fixtures.js';

const limits = { maxPixels: 50_000_000 };
let folder: Awaited<ReturnType<typeof fx.tempFolder>>;
beforeAll(async () => (folder = await fx.tempFolder()));
afterAll(() => folder.cleanup());

async function analyse(name: string, data: Buffer | string, opts = limits): Promise<Analysis & { thumb: string }> {
  const file = await folder.write(name, data);
  const thumb = folder.path(`${name}.thumb.webp`);
  return { ...(await analyseImage(file, thumb, opts)), thumb };
}

/** Rejected with `message`, and neither a thumbnail nor a temp file is left behind. */
async function expectRejected(name: string, data: Buffer | string, message: string | RegExp, opts = limits) {
  const file = await folder.write(name, data);
  const thumb = folder.path(`${name}.thumb.webp`);
  const error = await analyseImage(file, thumb, opts).then(() => undefined, (err: unknown) => err);
  expect(error).toBeInstanceOf(ImageRejected);
  expect((error as Error).message).toMatch(message);
  expect(existsSync(thumb)).toBe(false);
  expect(readdirSync(folder.dir).filter((f) => f.startsWith(name) && f !== name)).toEqual([]);
}

function pixelAt(input: Uint8Array, x: number, y: number): number[] {
  const at = (y * MODEL_INPUT_SIZE + x) * 3;
  return [...input.subarray(at, at + 3)];
}

describe('analyseImage, accepted formats', () => {
  test.each(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const)(
    'when the upload is %s, then its format, size, model input and thumbnail are right',
    async (format) => {
      const a = await analyse(`sample.${format}`, await fx.noiseImage(format, 320, 240));
      expect(a.format).toBe(format);
      expect(a.mime).toBe(`image/${format}`);
      expect([a.width, a.height]).toEqual([320, 240]);
      expect(a.colourHex).toMatch(/^#[0-9a-f]{6}$/);
      expect(a.modelInput).toBeInstanceOf(Uint8Array);
      expect(a.modelInput.length).toBe(MODEL_INPUT_SIZE * MODEL_INPUT_SIZE * 3);
      expect((await sharp(a.thumb).metadata()).format).toBe('webp');
    },
  );

  test('when a PNG is named .jpg, then the format comes from its content', async () => {
    const a = await analyse('really-a-png.jpg', await fx.solidPng('#00ff00'));
    expect(a.format).toBe('png');
    expect(a.mime).toBe('image/png');
  });
});

describe('analyseImage, orientation and thumbnails', () => {
  test('when a JPEG says orientation 6, then width and height are swapped and the thumbnail is upright', async () => {
    const a = await analyse('rotated.jpg', await fx.jpegWithOrientation(6, 300, 200));
    expect([a.width, a.height]).toEqual([200, 300]);
    const thumb = await sharp(a.thumb).metadata();
    expect([thumb.width, thumb.height]).toEqual([200, 300]);
    expect(thumb.orientation).toBeUndefined();
  });

  test('when the image is large, then the thumbnail is WebP, at most 400 px long, without EXIF', async () => {
    const big = await sharp(fx.noiseRaw(1200, 800), { raw: { width: 1200, height: 800, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 1, exif: { IFD0: { Copyright: 'someone', Artist: 'someone' } } })
      .toBuffer();
    expect((await sharp(big).metadata()).exif).toBeDefined();
    const a = await analyse('big.jpg', big);
    const thumb = await sharp(a.thumb).metadata();
    expect(thumb.format).toBe('webp');
    expect(Math.max(thumb.width, thumb.height)).toBe(400);
    expect(thumb.height).toBeGreaterThanOrEqual(266); // 1200 x 800 scaled to 400 wide, give or take rounding
    expect(thumb.height).toBeLessThanOrEqual(267);
    expect(thumb.exif).toBeUndefined();
    expect(thumb.icc).toBeUndefined();
  });

  test('when the image is smaller than a thumbnail, then it is not enlarged', async () => {
    const a = await analyse('small.png', await fx.solidPng('#123456', 40, 30));
    const thumb = await sharp(a.thumb).metadata();
    expect([thumb.width, thumb.height]).toEqual([40, 30]);
  });
});

describe('analyseImage, colour and transparency', () => {
  // stats().dominant reports the centre of its 16-level bin: #ff0000 falls in the bin centred on #f80808.
  test('when the image is one solid colour, then that colour (its histogram bin) is dominant', async () => {
    expect((await analyse('red.png', await fx.solidPng('#ff0000'))).colourHex).toBe('#f80808');
    expect((await analyse('slate.png', await fx.solidPng('#336699'))).colourHex).toBe('#386898');
  });

  test('when 70% is red and 30% blue, then red is dominant; and the other way round', async () => {
    expect((await analyse('mostly-red.png', await fx.twoColourPng('#ff0000', '#0000ff', 0.7))).colourHex).toBe('#f80808');
    expect((await analyse('mostly-blue.png', await fx.twoColourPng('#ff0000', '#0000ff', 0.3))).colourHex).toBe('#0808f8');
  });

  test('when the image is transparent, then the model sees it on white and the colour ignores the transparent part', async () => {
    const a = await analyse('transparent.png', await fx.transparentPng('#0000ff', 200, 200));
    expect(pixelAt(a.modelInput, 2, 2)).toEqual([255, 255, 255]);
    expect(pixelAt(a.modelInput, 112, 112)).toEqual([0, 0, 255]);
    // Three quarters of the picture is transparent: only the opaque blue square votes.
    expect(a.colourHex).toBe('#0808f8');
  });
});

describe('analyseImage, rejections', () => {
  test.each([
    ['a text file', 'notes.txt', fx.textFile, /^not an image$/],
    ['an HTML page', 'page.html', fx.htmlPage, /^not an image$/],
    ['an SVG with a script', 'evil.svg', fx.svgWithScript, /^unsupported format: svg$/],
    ['an empty file', 'empty.png', Buffer.alloc(0), /^not an image$/],
  ])('when the upload is %s, then it is rejected', async (_what, name, data, message) => {
    await expectRejected(name, data, message);
  });

  test('when a JPEG is truncated, then it is rejected rather than half decoded', async () => {
    await expectRejected('truncated.jpg', await fx.truncatedJpeg(), /^not a valid image/);
  });

  test('when a PNG chunk has a bad CRC, then it is rejected', async () => {
    await expectRejected('bad-crc.png', await fx.badCrcPng(), /^not a valid image/);
  });

  test('when a tiny PNG declares 50000 x 50000 pixels, then it is rejected by size before decoding', async () => {
    const bomb = fx.bombPng(50_000, 50_000);
    expect(bomb.length).toBeLessThan(1_000_000);
    const started = performance.now();
    await expectRejected('bomb.png', bomb, 'image too big: 50000 x 50000 pixels');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('when a real image is over the pixel limit, then the message names its size', async () => {
    await expectRejected('over.jpg', await fx.noiseImage('jpeg', 320, 240), 'image too big: 320 x 240 pixels', {
      maxPixels: 320 * 240 - 1,
    });
  });
});

describe('analyseImage, animations', () => {
  test.each([
    ['gif', fx.manyFrameGif],
    ['webp', fx.manyFrameWebp],
  ] as const)('when a %s has 2000 frames, then only the first is analysed, quickly', async (format, make) => {
    const animation = await make(2000);
    expect((await sharp(animation).metadata()).pages).toBe(2000);
    const started = performance.now();
    const a = await analyse(`frames.${format}`, animation);
    const ms = performance.now() - started;
    expect([a.format, a.width, a.height]).toEqual([format, 16, 16]);
    expect(a.colourHex).toBe('#080808'); // frame 0 is black but for one pixel
    expect(ms).toBeLessThan(500);
  });
});
