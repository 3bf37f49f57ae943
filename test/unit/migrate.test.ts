import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, openDatabase } from '../../src/db/open.js';
import { readMigrations } from '../../src/db/migrate.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'migrate-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const latest = readMigrations(MIGRATIONS_DIR).at(-1)!.version;
const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

describe('migrations', () => {
  it('when the database is empty, then every migration is applied and the version recorded', () => {
    const db = openDatabase(path.join(dir, 'a.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(latest);
    expect(tables(db)).toEqual(expect.arrayContaining(['users', 'sessions']));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('when the database is up to date, then opening it again changes nothing and keeps the data', () => {
    const file = path.join(dir, 'b.db');
    const first = openDatabase(file);
    first.prepare("INSERT INTO users (username, password_hash, created_at) VALUES ('zoe', 'x', 1)").run();
    first.close();
    const again = openDatabase(file);
    expect(again.pragma('user_version', { simple: true })).toBe(latest);
    expect(again.prepare('SELECT username FROM users').all()).toEqual([{ username: 'zoe' }]);
    again.close();
  });

  it('when the database is newer than the code, then it is refused with a clear message', () => {
    const file = path.join(dir, 'c.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${latest + 1}`);
    raw.close();
    expect(() => openDatabase(file)).toThrow(/newer than this code knows/);
  });

  it('when the migration files are read, then they are numbered without gaps', () => {
    const versions = readMigrations(MIGRATIONS_DIR).map((m) => m.version);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  });
});
