import type { Db } from '../db/index.js';
import { sameName } from '../db/fragments.js';

export type User = { id: number; username: string };
export type UserWithHash = User & { passwordHash: string };

export type UsersRepo = {
  findById(id: number): Promise<User | undefined>;
  /** Without regard to case, as names are unique. */
  findByUsername(username: string): Promise<UserWithHash | undefined>;
  /** Undefined when the name is taken in any case. */
  create(username: string, passwordHash: string): Promise<User | undefined>;
  /** "Keep location in my public photos" (off unless turned on). */
  sharesLocation(id: number): Promise<boolean>;
  setSharesLocation(id: number, on: boolean): Promise<void>;
};

export function createUsersRepo(db: Db, now: () => number = Date.now): UsersRepo {
  return {
    findById: (id) => db.query.selectFrom('users').select(['id', 'username']).where('id', '=', id).executeTakeFirst(),
    // No stored name holds a control character (validation), and PostgreSQL refuses a NUL in text.
    findByUsername: async (username) =>
      /[\u0000-\u001f]/.test(username) ? undefined : db.query.selectFrom('users').select(['id', 'username', 'password_hash as passwordHash'])
        .where(sameName(db, 'username', username)).executeTakeFirst(),
    async create(username, passwordHash) {
      // ON CONFLICT DO NOTHING without a target covers the case-insensitive unique index on both dialects.
      const row = await db.query.insertInto('users').values({ username, password_hash: passwordHash, created_at: now() })
        .onConflict((oc) => oc.doNothing()).returning('id').executeTakeFirst();
      return row && { id: row.id, username };
    },
    sharesLocation: async (id) =>
      (await db.query.selectFrom('users').select('share_location').where('id', '=', id).executeTakeFirst())?.share_location === 1,
    setSharesLocation: async (id, on) => void (await db.query.updateTable('users').set({ share_location: on ? 1 : 0 }).where('id', '=', id).execute()),
  };
}
