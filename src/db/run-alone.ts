import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * Runs `work` on one server at a time among those sharing the database: under a PostgreSQL advisory lock
 * held on a connection of its own (a server that dies lets it go with its connection). When another server
 * holds it, `work` is skipped and undefined returned: that server is doing the same work. SQLite has one
 * server by construction, so there `work` just runs.
 */
export async function runAlone<T>(db: Db, lock: number, work: () => Promise<T>): Promise<T | undefined> {
  if (db.dialect === 'sqlite') return work();
  return db.query.connection().execute(async (connection) => {
    const { rows } = await sql<{ got: boolean }>`SELECT pg_try_advisory_lock(${lock}) AS got`.execute(connection);
    if (!rows[0].got) return undefined;
    try {
      return await work();
    } finally {
      await sql`SELECT pg_advisory_unlock(${lock})`.execute(connection);
    }
  });
}
