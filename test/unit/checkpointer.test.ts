import { statSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startCheckpointer } from '../../src/db/checkpointer.js';
import type Database from 'better-sqlite3';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Logger } from '../../src/log.js';
import * as fx from '../helpers/fixtures.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freshDatabase() {
  const folder = await fx.tempFolder();
  cleanups.push(() => folder.cleanup());
  const file = folder.path('app.db');
  const opened = openSqlite(file);
  cleanups.push(() => opened.close());
  const db = opened.sqlite!;
  return { db, file };
}

const quietLogger = () => ({ error: vi.fn() }) as unknown as Logger & { error: ReturnType<typeof vi.fn> };
const autoCheckpointPages = (db: Database.Database) => db.pragma('wal_autocheckpoint', { simple: true });

/** About 4 MB of committed rows, in the WAL until something checkpoints them. */
function writeRows(db: Database.Database) {
  db.exec('CREATE TABLE filler (bytes BLOB)');
  const insert = db.prepare('INSERT INTO filler VALUES (randomblob(8192))');
  for (let i = 0; i < 500; i++) insert.run();
}

async function eventually(check: () => boolean, timeoutMs = 4_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('checkpoints in a worker thread', () => {
  it('when rows are committed, then the worker moves them into the database file while the app connection never checkpoints', async () => {
    const { db, file } = await freshDatabase();
    const checkpointer = startCheckpointer(db, file, quietLogger(), 50);
    cleanups.push(() => checkpointer.stop());
    expect(autoCheckpointPages(db)).toBe(0);
    const sizeBefore = statSync(file).size;

    writeRows(db);

    await eventually(() => statSync(file).size > sizeBefore + 4_000_000);
    expect(db.prepare('SELECT count(*) AS n FROM filler').get()).toEqual({ n: 500 });
  });

  it('when the checkpointer stops, then the app connection checkpoints by itself again', async () => {
    const { db, file } = await freshDatabase();
    const checkpointer = startCheckpointer(db, file, quietLogger(), 50);
    await checkpointer.stop();
    expect(autoCheckpointPages(db)).toBe(1000);
  });

  it('when the worker cannot open the database, then the failure is logged and the app connection checkpoints by itself', async () => {
    const { db } = await freshDatabase();
    const logger = quietLogger();
    const checkpointer = startCheckpointer(db, '/nonexistent-folder/app.db', logger, 50);
    cleanups.push(() => checkpointer.stop());
    await eventually(() => autoCheckpointPages(db) === 1000);
    expect(logger.error).toHaveBeenCalledOnce();
  });
});
