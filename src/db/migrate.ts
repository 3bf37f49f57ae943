import type BetterSqlite3 from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool } from 'pg';
import type { Dialect } from './database.js';
import { LOCKS } from './run-alone.js';

const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;

/** One folder per dialect, with the same numbers: migration N is the same change in both. */
export const migrationsDir = (dialect: Dialect) => fileURLToPath(new URL(`../../migrations/${dialect}/`, import.meta.url));

export type Migration = { version: number; name: string; sql: string };

export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const match = MIGRATION_FILE.exec(name);
      return match ? [{ version: Number(match[1]), name, sql: readFileSync(path.join(dir, name), 'utf8') }] : [];
    })
    .sort((a, b) => a.version - b.version);
}

export class NewerDatabase extends Error {
  constructor(current: number, latest: number) {
    super(
      `The database is at schema version ${current}, newer than this code knows (${latest}). ` +
        'Run a newer version of Image Repo, or restore a backup made by this version.',
    );
  }
}

/** Applies each newer migration in its own transaction; PRAGMA user_version records the schema version. */
export function migrateSqlite(db: BetterSqlite3.Database, dir = migrationsDir('sqlite')): number {
  const migrations = readMigrations(dir);
  const latest = migrations.at(-1)?.version ?? 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) throw new NewerDatabase(current, latest);
  for (const m of migrations.filter((m) => m.version > current)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest;
}

/**
 * The same on PostgreSQL, where several servers may start at once: each migration's transaction first takes
 * an advisory lock, then reads the version again, so exactly one server applies it and the others see it done.
 * The version lives in a one-row table (PostgreSQL has no user_version).
 */
export async function migratePostgres(pool: Pool, dir = migrationsDir('postgres')): Promise<number> {
  const migrations = readMigrations(dir);
  const latest = migrations.at(-1)?.version ?? 0;
  const client = await pool.connect();
  try {
    for (;;) {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.migrations]);
        // Under the lock: two servers creating it at once could collide in the catalog.
        await client.query('CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)');
        const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_version');
        const current = rows[0]?.version ?? 0;
        if (current > latest) throw new NewerDatabase(current, latest);
        const next = migrations.find((m) => m.version > current);
        if (!next) {
          await client.query('COMMIT');
          return latest;
        }
        await client.query(next.sql);
        await client.query(rows.length ? 'UPDATE schema_version SET version = $1' : 'INSERT INTO schema_version (version) VALUES ($1)', [next.version]);
        await client.query('COMMIT');
      } catch (err) {
        // The migration's own error is the one to report, even when the connection is too broken to roll back.
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    }
  } finally {
    client.release();
  }
}
