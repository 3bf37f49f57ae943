// Real JPEGs of 2 to 12 megapixels made once from the shared photos and cached under bench/out/.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { outDir, photosDir } from './paths.js';

export type BenchPhoto = { file: string; name: string; megapixels: number; bytes: number };

const ASPECTS = [4 / 3, 3 / 2, 16 / 9, 1, 3 / 4];
const VERSION = 3; // bump when the recipe changes, so the cache is rebuilt

/**
 * `count` JPEGs whose sizes step evenly from 2 to 12 megapixels. Each is a crop of one of the shared
 * photos, enlarged, with a little film grain (an enlarged 512 px photo alone is far smoother, and so far
 * smaller and quicker to decode, than a real 12 MP photo), saved at quality 90 with 4:2:0 chroma like
 * a camera. Every fourth one is stored on its side with EXIF orientation 6, as phones do.
 */
export async function benchPhotos(count = 100): Promise<BenchPhoto[]> {
  const dir = path.join(outDir, `jpegs-v${VERSION}`);
  await mkdir(dir, { recursive: true });
  const sources = readdirSync(photosDir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
  const photos: BenchPhoto[] = [];
  for (let i = 0; i < count; i++) {
    const megapixels = 2 + (10 * i) / Math.max(1, count - 1);
    const name = `bench-${String(i).padStart(3, '0')}-${megapixels.toFixed(1)}mp.jpg`;
    const file = path.join(dir, name);
    if (!existsSync(file)) await makeJpeg(path.join(photosDir, sources[i % sources.length]), file, megapixels, i);
    photos.push({ file, name, megapixels, bytes: (await stat(file)).size });
  }
  return photos;
}

async function makeJpeg(source: string, target: string, megapixels: number, i: number): Promise<void> {
  const aspect = ASPECTS[i % ASPECTS.length];
  const width = Math.round(Math.sqrt(megapixels * 1e6 * aspect));
  const height = Math.round(width / aspect);
  const meta = await sharp(source).metadata();
  // A different crop of the source each time: 70-100% of it, moved across.
  const f = 0.7 + 0.3 * ((i * 37) % 11) / 10;
  const cw = Math.max(16, Math.round(meta.width * f));
  const ch = Math.max(16, Math.round(meta.height * f));
  const left = Math.round(((meta.width - cw) * ((i * 7) % 5)) / 4);
  const top = Math.round(((meta.height - ch) * ((i * 3) % 5)) / 4);
  let image = sharp(source).extract({ left, top, width: cw, height: ch }).removeAlpha();
  if (i % 2 === 1) image = image.flop();
  const { data, info } = await image.resize(width, height, { fit: 'cover', kernel: 'lanczos3' }).raw().toBuffer({ resolveWithObject: true });
  addGrain(data, i);
  const sideways = i % 4 === 3;
  let out = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  // Stored rotated 90° anticlockwise; orientation 6 tells viewers to turn it back clockwise.
  if (sideways) out = out.rotate(-90).withMetadata({ orientation: 6 });
  const temp = `${target}.tmp`;
  await out.jpeg({ quality: 90, chromaSubsampling: '4:2:0' }).toFile(temp);
  await rename(temp, target);
}

/** Deterministic luminance grain of about ±8 levels. */
function addGrain(data: Buffer, seed: number): void {
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let p = 0; p < data.length; p += 3) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const g = ((s >>> 0) % 17) - 8;
    for (let c = 0; c < 3; c++) {
      const v = data[p + c] + g;
      data[p + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}

export const totalBytes = (photos: BenchPhoto[]) => photos.reduce((sum, p) => sum + p.bytes, 0);
