// Large databases made through the app's own repository (createImagesRepo(db).insert), so every image gets
// its labels and search terms exactly as an upload would, without 100,000 real uploads.
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcrypt';
import { sql } from 'kysely';
import { createUsersRepo, type User } from '../../src/auth/users.js';
import type { Db } from '../../src/db/index.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { IMAGENET_CLASSES } from '../../src/imagenet/classes.js';
import { nameColour, PALETTE } from '../../src/images/colour.js';
import { createImagesRepo } from '../../src/images/images-repo.js';
import { outDir, repoRoot } from './paths.js';

export const VIEWER = { username: 'rishi', password: 'password' };
export const OWNERS = 20;
/** The uploader named in the benchmark's search. */
export const SEARCHED_OWNER = 'user07';

/** A small deterministic PRNG (mulberry32), so every run seeds the same distribution. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` images from 20 uploaders (the viewer among them), 3 in 100 private (so the viewer sees over 96,000
 * of 100,000 and a page 2,000 of 48 exists), each with 3 distinct ImageNet labels drawn uniformly (so about a
 * third of them are some kind of dog) and a colour near a palette shade.
 */
export async function seedDatabase(db: Db, count: number): Promise<{ seconds: number; terms: number }> {
  const started = performance.now();
  const users = createUsersRepo(db);
  const hash = bcrypt.hashSync(VIEWER.password, 4);
  const owners: User[] = [(await users.create(VIEWER.username, hash))!];
  for (let i = 1; i < OWNERS; i++) owners.push((await users.create(`user${String(i).padStart(2, '0')}`, hash))!);
  const images = createImagesRepo(db);
  const random = prng(count);
  const start = Date.UTC(2024, 0, 1);
  // Several inserts in flight: PostgreSQL runs them on its pool's connections (SQLite takes them in turn).
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    {
      const owner = owners[Math.floor(random() * OWNERS)];
      // Colours as the app stores them: histogram bin centres. A main colour over 40% to 90% of the image, and
      // a second one over 10% of it.
      const colourHex = binCentre(jitter(PALETTE[Math.floor(random() * PALETTE.length)].hex, random));
      const second = binCentre(jitter(PALETTE[Math.floor(random() * PALETTE.length)].hex, random));
      const share = Math.round((0.4 + random() * 0.5) * 1000) / 1000;
      const palette = [{ name: nameColour(colourHex), hex: colourHex, share }, { name: nameColour(second), hex: second, share: 0.1 }]
        .filter((c, i, all) => all.findIndex((o) => o.name === c.name) === i);
      const picked = new Set<number>();
      while (picked.size < 3) picked.add(Math.floor(random() * IMAGENET_CLASSES.length));
      const labels = [...picked].map((c, rank) => ({ name: IMAGENET_CLASSES[c].name, probability: [0.62, 0.21, 0.07][rank] }));
      const width = 4000;
      const insert = images.insert(
        {
          id: randomUUID(), visibility: random() < 0.03 ? 'private' : 'public', originalName: `IMG_${i}.jpg`, format: 'jpeg',
          bytes: 3_000_000, width, height: 3000, colourHex, colourName: nameColour(colourHex), createdAt: start + i * 60_000, palette,
        },
        owner,
        labels,
      );
      inFlight.add(insert);
      void insert.finally(() => inFlight.delete(insert));
      if (inFlight.size >= 8) await Promise.race(inFlight);
    }
  }
  await Promise.all(inFlight);
  // What autovacuum gives a library that grew over months: planner statistics and a visibility map (so counts
  // are index-only reads). Without it the first minutes after a seed measure a table PostgreSQL has not seen.
  if (db.dialect === 'postgres') await sql`VACUUM ANALYZE`.execute(db.query);
  const terms = Number((await db.query.selectFrom('image_terms').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { seconds: (performance.now() - started) / 1000, terms };
}

/** A new SQLite file seeded with `count` images. */
async function seedSqliteFile(file: string, count: number) {
  const db = openSqlite(file);
  // This connection only: a crash while seeding just means seeding again, and a big page cache turns the
  // scattered inserts into image_terms from disk-bound into memory-bound.
  db.sqlite!.pragma('synchronous = OFF');
  db.sqlite!.pragma('cache_size = -400000');
  try {
    return await seedDatabase(db, count);
  } finally {
    await db.close();
  }
}

function jitter(hex: string, random: () => number): string {
  const channel = (at: number) => {
    const v = parseInt(hex.slice(at, at + 2), 16) + Math.round((random() - 0.5) * 24);
    return Math.max(0, Math.min(255, v)).toString(16).padStart(2, '0');
  };
  return `#${channel(1)}${channel(3)}${channel(5)}`;
}

/** The centre of the 16³ histogram bin a colour falls in, as dominantHex and paletteOf give colours. */
const binCentre = (hex: string) => `#${[1, 3, 5].map((i) => ((Number.parseInt(hex.slice(i, i + 2), 16) & 0xf0) + 8).toString(16).padStart(2, '0')).join('')}`;

/** Everything a seeded database depends on: the schema, the repository, terms, classes, colours, this file. */
function seedInputsHash(): string {
  const hash = createHash('sha256');
  const files = [
    ...['sqlite', 'postgres'].flatMap((dialect) =>
      readdirSync(path.join(repoRoot, 'migrations', dialect)).sort().map((f) => path.join('migrations', dialect, f))),
    'src/images/images-repo.ts', 'src/search/terms.ts', 'src/images/palette.ts', 'src/imagenet/classes.json', 'src/images/colour.ts', 'bench/lib/seed.ts',
  ];
  for (const file of files) hash.update(file).update(readFileSync(path.join(repoRoot, file)));
  return hash.digest('hex').slice(0, 12);
}

/**
 * A copy of a seeded database in `dataDir` (as DATA_DIR/image-repo.db). Seeding 100,000 images takes a
 * minute or two, so the seeded file is kept in bench/out/ and reused while nothing it depends on changes.
 */
export async function seededDataDir(dataDir: string, count: number): Promise<{ cached: boolean; seconds: number; terms: number }> {
  const cacheDir = path.join(outDir, 'db-cache');
  mkdirSync(cacheDir, { recursive: true });
  const cached = path.join(cacheDir, `images-${count}-${seedInputsHash()}.db`);
  const infoFile = `${cached}.json`;
  let info: { seconds: number; terms: number };
  const hit = existsSync(cached) && existsSync(infoFile);
  if (hit) {
    info = JSON.parse(readFileSync(infoFile, 'utf8'));
  } else {
    for (const f of readdirSync(cacheDir).filter((f) => f.startsWith(`images-${count}-`))) rmSync(path.join(cacheDir, f));
    const temp = `${cached}.tmp`;
    info = await seedSqliteFile(temp, count);
    renameSync(temp, cached);
    writeFileSync(infoFile, JSON.stringify(info));
  }
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  copyFileSync(cached, path.join(dataDir, 'image-repo.db'));
  return { cached: hit, ...info };
}
