// The background sweep of a database several servers share: only records older than the grace period go
// (a younger one may be another server's upload in flight), and one server sweeps at a time.
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.js';
import { createImagesRepo, type ImagesRepo } from '../../src/images/images-repo.js';
import { createLogger } from '../../src/log.js';
import { SHARED_SWEEP_GRACE_MS, startSharedSweeper, sweepShared } from '../../src/images/sweeper.js';
import { createDiskStorage } from '../../src/storage/disk.js';
import type { Storage } from '../../src/storage/index.js';
import { testBackend, testDatabase } from '../helpers/backend.js';
import { tempFolder } from '../helpers/fixtures.js';

let db: Db;
let images: ImagesRepo;
let storage: Storage;
let folder: Awaited<ReturnType<typeof tempFolder>>;
const NOW = Date.UTC(2026, 5, 1);
const old = '11111111-2222-4333-8444-555555555555';
const young = '99999999-2222-4333-8444-555555555555';

beforeEach(async () => {
  db = await testDatabase();
  images = createImagesRepo(db);
  folder = await tempFolder();
  storage = createDiskStorage({ dir: folder.dir });
  for (const id of [old, young]) for (const name of [`${id}.png`, `${id}.thumb.webp`]) writeFileSync(folder.path(name), 'x');
  await images.markPending({ id: old, format: 'png' }, NOW - SHARED_SWEEP_GRACE_MS - 1);
  await images.markPending({ id: young, format: 'png' }, NOW - 60_000);
});
afterEach(async () => {
  storage.close();
  await db.close();
  await folder.cleanup();
});

const keys = async () => {
  const all: string[] = [];
  for await (const key of storage.list()) all.push(key);
  return all.sort();
};
const deps = () => ({ db, storage, images, logger: createLogger('silent'), now: () => NOW });

describe(`the shared sweep on ${testBackend}`, () => {
  it('when records are older and younger than the grace period, then only the old upload\'s objects and record go', async () => {
    expect(await sweepShared(deps())).toBe(1);
    expect(await keys()).toEqual([`${young}.png`, `${young}.thumb.webp`]);
    expect(await images.pendingFiles()).toEqual([{ id: young, format: 'png' }]);
  });

  it('when the server stops while a sweep is removing objects, then stop() waits for it, and the record goes with the objects', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let removing = false;
    const slow: Storage = { ...storage, remove: async (key) => ((removing = true), await gate, storage.remove(key)) };
    const sweeper = startSharedSweeper({ ...deps(), storage: slow });
    for (let i = 0; !removing; i++) {
      if (i > 500) throw new Error('the sweep did not begin');
      await new Promise((r) => setTimeout(r, 10));
    }
    let stopped = false;
    const stopping = sweeper.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped, 'stopped while the sweep was still removing').toBe(false);
    release();
    await stopping;
    expect(await keys()).toEqual([`${young}.png`, `${young}.thumb.webp`]);
    expect(await images.pendingFiles()).toEqual([{ id: young, format: 'png' }]);
  });

  // SQLite has one server by construction: only PostgreSQL is shared.
  it.runIf(testBackend === 'postgres')('when two servers sweep at once, then the records are swept once', async () => {
    const counts = await Promise.all([sweepShared(deps()), sweepShared(deps())]);
    expect(counts.sort()).toEqual([0, 1]);
    expect(await images.pendingFiles()).toEqual([{ id: young, format: 'png' }]);
  });
});
