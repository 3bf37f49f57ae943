import type { Db } from '../db/open.js';

export type User = { id: number; username: string };
type UserWithHash = User & { passwordHash: string };

export type UsersRepo = ReturnType<typeof createUsersRepo>;

export function createUsersRepo(db: Db, now: () => number = Date.now) {
  const byId = db.prepare<[number], User>('SELECT id, username FROM users WHERE id = ?');
  const byName = db.prepare<[string], UserWithHash>(
    'SELECT id, username, password_hash AS passwordHash FROM users WHERE username = ? COLLATE NOCASE',
  );
  const insert = db.prepare<[string, string, number]>(
    'INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  return {
    findById: (id: number): User | undefined => byId.get(id),
    findByUsername: (username: string): UserWithHash | undefined => byName.get(username),
    /** Returns undefined when the name is taken in any case. */
    create(username: string, passwordHash: string): User | undefined {
      const result = insert.run(username, passwordHash, now());
      return result.changes === 1 ? { id: Number(result.lastInsertRowid), username } : undefined;
    },
  };
}
