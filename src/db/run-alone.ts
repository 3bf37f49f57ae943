import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * The PostgreSQL advisory locks of the work that one server at a time does, in one place so no two share a
 * number. Any fixed numbers do, the same on every server (the migrations take theirs per transaction).
 */
export const LOCKS = { migrations: 5_106_201, sweep: 5_106_202, rank: 5_106_203, purge: 5_106_204 } as const;
type Lock = Exclude<keyof typeof LOCKS, 'migrations'>;

/**
 * Runs `work` on one server at a time among those sharing the database: under a PostgreSQL advisory lock
 * held on a connection of its own (a server that dies lets it go with its connection). When another server
 * holds it, `work` is skipped and undefined returned: that server is doing the same work. SQLite has one
 * server by construction, so there `work` just runs.
 */
export async function runAlone<T>(db: Db, lock: Lock, work: () => Promise<T>): Promise<T | undefined> {
  if (db.dialect === 'sqlite') return work();
  return db.query.connection().execute(async (connection) => {
    const { rows } = await sql<{ got: boolean }>`SELECT pg_try_advisory_lock(${LOCKS[lock]}) AS got`.execute(connection);
    if (!rows[0].got) return undefined;
    try {
      return await work();
    } finally {
      await sql`SELECT pg_advisory_unlock(${LOCKS[lock]})`.execute(connection);
    }
  });
}
