import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Db } from './database.js';
import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';

export type { Db, Dialect } from './database.js';

/** The one place the database is chosen: PostgreSQL when DATABASE_URL is set, else the SQLite file. */
export function openDatabase(config: Pick<Config, 'databaseUrl' | 'databasePath' | 'databasePoolSize'>, logger?: Logger): Promise<Db> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, { poolSize: config.databasePoolSize, logger });
  return Promise.resolve(openSqlite(config.databasePath));
}

type Where = Pick<Config, 'databaseUrl' | 'databasePath'>;

/** The database in words, for messages: never the password a DATABASE_URL holds. */
export function describeDatabase(config: Where): string {
  if (!config.databaseUrl) return `the database at DATABASE_PATH (${config.databasePath})`;
  const url = new URL(config.databaseUrl);
  return `the PostgreSQL database at DATABASE_URL (${url.hostname}:${url.port || 5432}${url.pathname})`;
}

/** Why start-up cannot use the database, naming the setting; the driver's message never carries the password. */
export function databaseRefusal(config: Where, err: Error): ConfigError {
  return new ConfigError(`cannot use ${describeDatabase(config)}: ${err.message}`);
}
