import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './database.js';
import { migrateSqlite } from './migrate.js';
import type { Tables } from './tables.js';

export const WAL_SIZE_LIMIT = 32 * 1024 * 1024;

/** Opens the one database file, sets the pragmas every connection needs, then migrates it. */
export function openSqlite(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
  // Once a checkpoint has copied the WAL into the database, the next commit cuts the file back to this size:
  // a burst of writes cannot leave a WAL of gigabytes behind until shutdown.
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  // NORMAL is durable across application crashes in WAL mode; only a power cut can lose the last commits.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  migrateSqlite(sqlite);
  const query = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { dialect: 'sqlite', query, sqlite, close: () => query.destroy() };
}

const STATEMENTS_KEPT = 256;

/**
 * Kysely prepares every query it runs, and preparing cost about a quarter of a millisecond of each page.
 * Statements are kept by their SQL, the least recently used dropped past the bound. Reusing one is safe:
 * Kysely runs one query at a time on its one connection, even while it streams rows.
 */
function withStatementCache(sqlite: Database.Database) {
  const kept = new Map<string, Database.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      const statement = kept.get(text) ?? sqlite.prepare(text);
      kept.delete(text);
      if (kept.size >= STATEMENTS_KEPT) kept.delete(kept.keys().next().value!);
      kept.set(text, statement);
      return statement;
    },
  };
}
