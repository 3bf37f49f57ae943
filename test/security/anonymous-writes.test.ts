import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WAL_SIZE_LIMIT } from '../../src/db/open.js';
import { createTestApp, csrfFrom, login, register, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(async () => void (t = await createTestApp()));
afterEach(() => t.close());

/** Rows this connection (the app's only one) has inserted, updated or deleted since it opened. */
const rowsWritten = () => t.db.prepare('SELECT total_changes()').pluck().get() as number;

describe('anonymous visitors write nothing', () => {
  it('when 10,000 anonymous requests arrive, then no session row is written and no session cookie is set', { timeout: 120_000 }, async () => {
    const before = rowsWritten();
    const urls = ['/login', '/register', '/', '/search?q=red', '/images/00000000-0000-4000-8000-000000000000', '/nowhere'];
    const cookies = new Set<string>();
    for (let i = 0; i < 10_000; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, (_, j) => request(t.app).get(urls[(i + j) % urls.length])));
      for (const res of batch) for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) cookies.add(c.split('=')[0]);
    }
    expect(t.count('sessions')).toBe(0);
    expect(rowsWritten() - before).toBe(0);
    expect([...cookies]).toEqual(['csrf']);
    console.log(`10,000 anonymous requests: ${rowsWritten() - before} rows written, ${t.count('sessions')} session rows`);
  });

  it('when an anonymous visitor logs in with the token of the page, then it works and only then a session row exists', async () => {
    await register(t.agent(), 'visitor');
    const sessionsBefore = t.count('sessions');
    const agent = t.agent();
    await csrfFrom(agent, '/login');
    await csrfFrom(agent, '/register');
    expect(t.count('sessions')).toBe(sessionsBefore);
    expect((await login(agent, 'visitor')).status).toBe(303);
    expect(t.count('sessions')).toBe(sessionsBefore + 1);
    expect((await agent.get('/')).status).toBe(200);
  });

  it('when a failed login is posted, then no session row is written either', async () => {
    const agent = t.agent();
    const before = rowsWritten();
    expect((await login(agent, 'nobody', 'wrong password')).status).toBe(401);
    expect(rowsWritten() - before).toBe(0);
  });
});

describe('the write-ahead log', () => {
  it('when a burst of writes has been checkpointed, then the next commit cuts the WAL back to its size limit', () => {
    const insert = t.db.prepare('INSERT INTO sessions (sid, data, expires_at) VALUES (?, ?, 0)');
    const filler = 'x'.repeat(4000);
    t.db.pragma('wal_autocheckpoint = 0'); // as the app runs it: the checkpoints come from another connection
    for (let i = 0; i < 12_000; i++) insert.run(`s${i}`, filler);
    const wal = `${t.config.databasePath}-wal`;
    expect(statSync(wal).size).toBeGreaterThan(WAL_SIZE_LIMIT);
    const checkpointer = new Database(t.config.databasePath);
    checkpointer.pragma('wal_checkpoint(PASSIVE)');
    checkpointer.close();
    insert.run('after', 'y');
    expect(statSync(wal).size).toBeLessThanOrEqual(WAL_SIZE_LIMIT);
  });
});
