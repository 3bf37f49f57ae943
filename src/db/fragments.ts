import { sql, type RawBuilder } from 'kysely';
import type { Db } from './database.js';

// The few places where one query needs different words in each dialect.

/** `column = value` without regard to (ASCII) case: each dialect's form is the one its users_username index serves. */
export const sameName = (db: Db, column: string, value: string): RawBuilder<boolean> =>
  db.dialect === 'sqlite' ? sql`${sql.ref(column)} = ${value} COLLATE NOCASE` : sql`lower(${sql.ref(column)}) = lower(${value})`;

/**
 * A column SQLite's planner must not reach through an index (the unary +): there an OR of two indexed columns
 * becomes two index reads and a sort instead of one walk down seq. PostgreSQL's planner needs no such hint.
 */
export const unindexed = (db: Db, column: string): RawBuilder<unknown> =>
  db.dialect === 'sqlite' ? sql`+${sql.ref(column)}` : sql.ref(column);
