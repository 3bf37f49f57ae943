import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../log.js';
import type { Db } from './database.js';
import { migratePostgres } from './migrate.js';
import type { Tables } from './tables.js';

// int8 (ids, seq, byte counts, times in ms, count(*)) comes back as a string by default. Every such value
// here is far below 2^53, so a JS number holds it exactly.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type PostgresOptions = { poolSize: number; logger?: Pick<Logger, 'warn'> };

/** A pool on DATABASE_URL, migrated (one server at a time) before anything else runs. */
export async function openPostgres(url: string, options: PostgresOptions): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize, connectionTimeoutMillis: 5_000 });
  // An idle client losing its server (a restart, a failover) is reported here; the pool drops it and connects
  // anew for the next query. Without a listener the error would end the process.
  pool.on('error', (err) => options.logger?.warn({ err }, 'a PostgreSQL connection was lost while idle; the pool makes a new one when needed'));
  try {
    await migratePostgres(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const query = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  return { dialect: 'postgres', query, close: () => query.destroy() };
}
