import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from './migrate.js';

export type Db = Database.Database;

export const WAL_SIZE_LIMIT = 32 * 1024 * 1024;

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Opens the one database file, sets the pragmas every connection needs, then migrates it. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  if (file !== ':memory:') db.pragma('journal_mode = WAL');
  // Once a checkpoint has copied the WAL into the database, the next commit cuts the file back to this size:
  // a burst of writes cannot leave a WAL of gigabytes behind until shutdown.
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  // NORMAL is durable across application crashes in WAL mode; only a power cut can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, MIGRATIONS_DIR);
  return db;
}
