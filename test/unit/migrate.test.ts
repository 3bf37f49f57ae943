import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.js';
import { migratePostgres, migrateSqlite, migrationsDir, readMigrations } from '../../src/db/migrate.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { openPostgres } from '../../src/db/postgres.js';
import { createImagesRepo } from '../../src/images/images-repo.js';
import { newSchemaUrl } from '../helpers/backend.js';
import { usePostgres } from '../helpers/services.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'migrate-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const latest = readMigrations(migrationsDir('sqlite')).at(-1)!.version;
const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

describe('migrations on SQLite', () => {
  it('when the database is empty, then every migration is applied and the version recorded', async () => {
    const db = openSqlite(path.join(dir, 'a.db'));
    const raw = db.sqlite!;
    expect(raw.pragma('user_version', { simple: true })).toBe(latest);
    expect(tables(raw)).toEqual(expect.arrayContaining(['users', 'sessions', 'images', 'image_terms', 'image_totals', 'pending_files', 'rate_limits', 'api_tokens']));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('foreign_keys', { simple: true })).toBe(1);
    await db.close();
  });

  it('when the database is up to date, then opening it again changes nothing and keeps the data', async () => {
    const file = path.join(dir, 'b.db');
    const first = openSqlite(file);
    first.sqlite!.prepare("INSERT INTO users (username, password_hash, created_at) VALUES ('zoe', 'x', 1)").run();
    await first.close();
    const again = openSqlite(file);
    expect(again.sqlite!.pragma('user_version', { simple: true })).toBe(latest);
    expect(again.sqlite!.prepare('SELECT username FROM users').all()).toEqual([{ username: 'zoe' }]);
    await again.close();
  });

  it('when the database is newer than the code, then it is refused with a clear message', () => {
    const file = path.join(dir, 'c.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${latest + 1}`);
    raw.close();
    expect(() => openSqlite(file)).toThrow(/newer than this code knows/);
  });
});

describe('the migration files', () => {
  it('when they are read, then each dialect has the same numbers, without gaps', () => {
    const sqlite = readMigrations(migrationsDir('sqlite'));
    const postgres = readMigrations(migrationsDir('postgres'));
    expect(sqlite.map((m) => m.version)).toEqual(sqlite.map((_, i) => i + 1));
    expect(postgres.map((m) => m.name)).toEqual(sqlite.map((m) => m.name));
  });
});

describe('migrations on PostgreSQL', () => {
  usePostgres();
  const version = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ version: number }>('SELECT version FROM schema_version')).rows;
    } finally {
      await client.end();
    }
  };

  it('when the database is empty, then every migration is applied once, and the same tables exist as in SQLite', async () => {
    const url = await newSchemaUrl();
    const db = await openPostgres(url, { poolSize: 2 });
    const { rows } = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`.execute(db.query);
    expect(rows.map((r) => r.name)).toEqual(['api_tokens', 'image_terms', 'image_totals', 'images', 'pending_files', 'rate_limits', 'schema_version', 'sessions', 'trashed_images', 'users']);
    await db.close();
    expect(await version(url)).toEqual([{ version: latest }]);
  });

  it('when several servers start on a new database at once, then the migrations are applied exactly once and all of them start', async () => {
    const url = await newSchemaUrl();
    const servers = await Promise.all(Array.from({ length: 4 }, () => openPostgres(url, { poolSize: 2 })));
    await Promise.all(servers.map((db) => db.close()));
    expect(await version(url)).toEqual([{ version: latest }]);
  });

  it('when the database is newer than the code, then it is refused with a clear message', async () => {
    const url = await newSchemaUrl();
    await (await openPostgres(url, { poolSize: 1 })).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('UPDATE schema_version SET version = version + 1');
    await client.end();
    await expect(openPostgres(url, { poolSize: 1 })).rejects.toThrow(/newer than this code knows/);
  });
});

describe('a library made before migrations 009 to 011 (labels in their own table, no totals, no photo details)', () => {
  usePostgres();
  const upTo8 = (dialect: 'sqlite' | 'postgres') => {
    const older = path.join(dir, `${dialect}-upto-8`);
    mkdirSync(older);
    for (const m of readMigrations(migrationsDir(dialect)).filter((m) => m.version <= 8)) copyFileSync(path.join(migrationsDir(dialect), m.name), path.join(older, m.name));
    return older;
  };
  // Two images of one owner: a classified one whose labels were inserted out of rank order, one not classified yet.
  const oldRows = [
    "INSERT INTO users (username, password_hash, created_at) VALUES ('pat', 'x', 0)",
    `INSERT INTO images (id, owner_id, visibility, original_name, format, bytes, width, height, colour_hex, colour_name, classified, created_at)
       VALUES ('a', 1, 'public', 'a.png', 'png', 100, 4, 3, '#ff0000', 'red', 1, 0), ('b', 1, 'private', 'b.png', 'png', 20, 4, 3, '#ff0000', 'red', 0, 1)`,
    "INSERT INTO image_labels (image_seq, rank, name, probability) VALUES (1, 2, 'toucan', 0.2), (1, 1, 'macaw', 0.7), (1, 3, 'lorikeet', 0.05)",
  ];
  const expectCarriedOver = async (db: Db) => {
    const images = createImagesRepo(db);
    expect((await images.findBySeq(1))!.labels).toEqual([
      { name: 'macaw', probability: 0.7 }, { name: 'toucan', probability: 0.2 }, { name: 'lorikeet', probability: 0.05 },
    ]);
    expect((await images.findBySeq(2))!.labels).toBeNull();
    expect(await images.countVisible({ viewer: 1 })).toBe(2);
    expect(await images.countVisible({ viewer: 2 })).toBe(1);
    expect(await images.storedBytes(1)).toBe(120);
    // Not read yet (npm run reclassify reads them), and by date taken they sort by their upload times.
    expect(await images.unreadSeqs()).toEqual([1, 2]);
    expect(await images.findBySeq(1)).toMatchObject({ exif: null, takenAt: null, shotAt: 0 });
    expect((await images.listVisible({ viewer: 1 }, {}, 10, 'taken')).images.map((i) => i.id)).toEqual(['b', 'a']);
    if (db.dialect === 'postgres') {
      // A server still on the older code inserts no shot_at: the row takes its upload time.
      await sql`INSERT INTO images (id, owner_id, visibility, original_name, format, bytes, width, height, colour_hex, colour_name, classified, created_at)
        VALUES ('c', 1, 'public', 'c.png', 'png', 1, 1, 1, '#000000', 'black', 0, 7)`.execute(db.query);
      expect((await images.findBySeq(3))!.shotAt).toBe(7);
    }
    await db.close();
  };

  it('when SQLite opens it, then every image keeps its labels in rank order, the totals count what is there and its details wait to be read', async () => {
    const file = path.join(dir, 'old.db');
    const raw = new Database(file);
    migrateSqlite(raw, upTo8('sqlite'));
    for (const statement of oldRows) raw.exec(statement);
    raw.close();
    await expectCarriedOver(openSqlite(file));
  });

  it('when PostgreSQL opens it, then every image keeps its labels in rank order, the totals count what is there and its details wait to be read', async () => {
    const url = await newSchemaUrl();
    const pool = new pg.Pool({ connectionString: url });
    try {
      await migratePostgres(pool, upTo8('postgres'));
      for (const statement of oldRows) await pool.query(statement);
    } finally {
      await pool.end();
    }
    await expectCarriedOver(await openPostgres(url, { poolSize: 2 }));
  });
});
