import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Tables } from './tables.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * The one database the app runs on, whichever it is. Repositories take this and write their queries once,
 * through `query`; where the dialects differ they ask `dialect` (see fragments.ts).
 */
export type Db = {
  dialect: Dialect;
  query: Kysely<Tables>;
  /** The SQLite connection itself, for the machinery only SQLite has (the checkpointer, backups). */
  sqlite?: BetterSqlite3.Database;
  close(): Promise<void>;
};
