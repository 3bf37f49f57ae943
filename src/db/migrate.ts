import type Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;

export type Migration = { version: number; name: string; sql: string };

export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const match = MIGRATION_FILE.exec(name);
      return match ? [{ version: Number(match[1]), name, sql: readFileSync(path.join(dir, name), 'utf8') }] : [];
    })
    .sort((a, b) => a.version - b.version);
}

/** Applies each newer migration in its own transaction; PRAGMA user_version records the schema version. */
export function migrate(db: Database.Database, dir: string): number {
  const migrations = readMigrations(dir);
  const latest = migrations.at(-1)?.version ?? 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new Error(
      `The database is at schema version ${current}, newer than this code knows (${latest}). ` +
        'Run a newer version of Image Repo, or restore a backup made by this version.',
    );
  }
  for (const m of migrations.filter((m) => m.version > current)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest;
}
