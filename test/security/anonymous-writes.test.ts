import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WAL_SIZE_LIMIT } from '../../src/db/sqlite.js';
import { createTestApp, csrfFrom, login, register, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
  if (t.backend === 'postgres') await countWritesOnPostgres();
});
afterEach(() => t.close());

/**
 * PostgreSQL keeps no count of the rows a schema's users have written (its statistics lag and span the whole
 * server), so a trigger on every table of the test's schema counts each row inserted, updated or deleted.
 * A sequence, not a table, holds the count: it takes no row lock, so concurrent writers do not queue on it.
 */
async function countWritesOnPostgres() {
  await t.rows`CREATE SEQUENCE rows_written`;
  await t.rows`CREATE FUNCTION count_row_written() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('rows_written'); RETURN NULL; END $$`;
  const tables = await t.rows<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
  expect(tables.map((x) => x.table_name)).toContain('sessions');
  for (const { table_name } of tables) {
    await t.rows`CREATE TRIGGER count_writes AFTER INSERT OR UPDATE OR DELETE ON ${sql.table(table_name)} FOR EACH ROW EXECUTE FUNCTION count_row_written()`;
  }
}

/** Rows the app has inserted, updated or deleted since it opened (on SQLite: its only connection's count). */
async function rowsWritten(): Promise<number> {
  if (t.backend === 'sqlite') return t.db.sqlite!.prepare('SELECT total_changes()').pluck().get() as number;
  const [{ n }] = await t.rows<{ n: number }>`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM rows_written`;
  return Number(n);
}

describe('anonymous visitors write nothing', () => {
  it('when 10,000 anonymous requests arrive, then no session row is written and no session cookie is set', { timeout: 120_000 }, async () => {
    const before = await rowsWritten();
    const urls = ['/login', '/register', '/', '/search?q=red', '/images/00000000-0000-4000-8000-000000000000', '/nowhere'];
    const cookies = new Set<string>();
    for (let i = 0; i < 10_000; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, (_, j) => request(t.app).get(urls[(i + j) % urls.length])));
      for (const res of batch) for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) cookies.add(c.split('=')[0]);
    }
    expect(await t.count('sessions')).toBe(0);
    expect(await rowsWritten() - before).toBe(0);
    expect([...cookies]).toEqual(['csrf']);
    console.log(`10,000 anonymous requests: ${await rowsWritten() - before} rows written, ${await t.count('sessions')} session rows`);
  });

  it('when an anonymous visitor logs in with the token of the page, then it works and only then a session row exists', async () => {
    await register(t.agent(), 'visitor');
    const sessionsBefore = await t.count('sessions');
    const agent = t.agent();
    await csrfFrom(agent, '/login');
    await csrfFrom(agent, '/register');
    expect(await t.count('sessions')).toBe(sessionsBefore);
    const writesBefore = await rowsWritten();
    expect((await login(agent, 'visitor')).status).toBe(303);
    expect(await t.count('sessions')).toBe(sessionsBefore + 1);
    // And rowsWritten sees that write, so the zeros it gives in the other tests mean something.
    expect(await rowsWritten()).toBeGreaterThan(writesBefore);
    expect((await agent.get('/')).status).toBe(200);
  });

  it('when a failed login is posted, then no session row is written either: only the two limiters\' counts', async () => {
    const agent = t.agent();
    const [before, sessionsBefore] = [await rowsWritten(), await t.count('sessions')];
    expect((await login(agent, 'nobody', 'wrong password')).status).toBe(401);
    expect(await t.count('sessions')).toBe(sessionsBefore);
    // Failed logins are counted in the database (per address, and per address and name), so that every
    // server sharing it shares the counts: those two rows are the only write.
    expect(await rowsWritten() - before).toBe(2);
    expect((await t.rows<{ key: string; hits: number }>`SELECT key, hits FROM rate_limits WHERE key LIKE 'login-%' ORDER BY key`).map((r) => r.hits)).toEqual([1, 1]);
  });
});

describe('the write-ahead log', () => {
  it('when a burst of writes has been checkpointed, then the next commit cuts the WAL back to its size limit', async () => {
    const sqlite = t.db.sqlite;
    // The WAL and its checkpoints are SQLite's: on PostgreSQL the burst only has to land whole.
    sqlite?.pragma('wal_autocheckpoint = 0'); // as the app runs it: the checkpoints come from another connection
    const filler = 'x'.repeat(4000);
    // Alive for an hour, so the store's sweep of expired sessions (which keeps real time, like the cookies'
    // expiry) leaves them be.
    const expires_at = Date.now() + 60 * 60 * 1000;
    for (let i = 0; i < 12_000; i += 100) {
      await t.db.query.insertInto('sessions')
        .values(Array.from({ length: 100 }, (_, j) => ({ sid: `s${i + j}`, data: filler, expires_at }))).execute();
    }
    expect(await t.count('sessions')).toBe(12_000);
    const wal = `${t.config.databasePath}-wal`;
    if (sqlite) {
      expect(statSync(wal).size).toBeGreaterThan(WAL_SIZE_LIMIT);
      const checkpointer = new Database(t.config.databasePath);
      checkpointer.pragma('wal_checkpoint(PASSIVE)');
      checkpointer.close();
    }
    await t.db.query.insertInto('sessions').values({ sid: 'after', data: 'y', expires_at }).execute();
    expect(await t.count('sessions')).toBe(12_001);
    if (sqlite) expect(statSync(wal).size).toBeLessThanOrEqual(WAL_SIZE_LIMIT);
  });
});
