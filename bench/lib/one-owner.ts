import { rmSync } from 'node:fs';
import { openSqlite } from '../../src/db/sqlite.js';

/** A new SQLite library at `file` (any old one removed) with one user, id 1, to fill with rows directly. */
export function oneOwnerLibrary(file: string, username: string) {
  rmSync(file, { force: true });
  const db = openSqlite(file);
  db.sqlite!.prepare("INSERT INTO users (username, password_hash, created_at) VALUES (?, 'x', 0)").run(username);
  return { db, sqlite: db.sqlite! };
}
