// The library of a server process started by a test, on the suite's backend: the settings that put the
// server there (a SQLite file and UPLOAD_DIR, or a PostgreSQL schema and a bucket), and a way to look at its
// rows and objects from outside while it runs or after it was killed.
import { buffer } from 'node:stream/consumers';
import path from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type Db } from '../../src/db/index.js';
import { createStorage, type Storage } from '../../src/storage/index.js';
import { testDatabaseEnv } from './backend.js';

export type LiveBackend = Awaited<ReturnType<typeof liveBackend>>;

/**
 * `root` holds what stays on the server's own disk: DATA_DIR and UPLOAD_DIR (on S3, only its scratch folder).
 * `settings` chooses the database and storage instead of the suite's backend.
 */
export async function liveBackend(root: string, settings?: Record<string, string>) {
  const env: Record<string, string> = { DATA_DIR: root, UPLOAD_DIR: path.join(root, 'uploads'), ...(settings ?? (await testDatabaseEnv())) };
  const config = loadConfig(env);
  let db: Db | undefined;
  const storage: Storage = createStorage(config);
  // Opened at first use: the server creates and migrates the database when it starts.
  const database = async () => (db ??= await openDatabase(config));
  return {
    env,
    config,
    dialect: config.databaseUrl ? 'postgres' : 'sqlite',
    /** Rows of one query written for both dialects. */
    rows: async <T>(strings: TemplateStringsArray, ...values: unknown[]) => (await sql<T>(strings, ...values).execute((await database()).query)).rows,
    /** SQLite's own checks of the file; PostgreSQL keeps its pages consistent by itself. */
    async integrity(): Promise<{ integrity: string; foreignKeys: unknown[] } | undefined> {
      const raw = (await database()).sqlite;
      return raw && { integrity: raw.pragma('integrity_check', { simple: true }) as string, foreignKeys: raw.pragma('foreign_key_check') as unknown[] };
    },
    /** Every stored original and thumbnail, sorted. */
    async storedKeys(): Promise<string[]> {
      const keys: string[] = [];
      for await (const key of storage.list()) keys.push(key);
      return keys.sort();
    },
    async object(key: string): Promise<Buffer> {
      const found = await storage.stream(key);
      if (!found || found.unsatisfiable) throw new Error(`no object ${key}`);
      return buffer(found.body);
    },
    /** Lets go of the database connection (reopened at the next use): SQLite empties its WAL only when the last one closes. */
    async release() {
      await db?.close();
      db = undefined;
    },
    async close() {
      storage.close();
      await db?.close();
    },
  };
}
