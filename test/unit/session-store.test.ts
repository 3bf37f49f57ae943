import { afterEach, describe, expect, it } from 'vitest';
import type { SessionData } from 'express-session';
import { openDatabase } from '../../src/db/open.js';
import { SqliteSessionStore, SWEEP_BATCH } from '../../src/web/session-store.js';
import { manualClock } from '../helpers/app.js';

const db = openDatabase(':memory:');
afterEach(() => db.exec('DELETE FROM sessions'));

const data = (expires: number) => ({ cookie: { expires: new Date(expires), originalMaxAge: 1000 } }) as unknown as SessionData;
const get = (store: SqliteSessionStore, sid: string) =>
  new Promise<SessionData | null | undefined>((resolve, reject) => store.get(sid, (err, value) => (err ? reject(err) : resolve(value))));

describe('SQLite session store', () => {
  it('when a session is stored, then it is read back until its cookie expires', async () => {
    const clock = manualClock();
    const store = new SqliteSessionStore(db, clock.now);
    store.set('a', data(clock.now() + 60_000));
    expect(await get(store, 'a')).toMatchObject({ cookie: {} });
    clock.advance(60_000);
    expect(await get(store, 'a')).toBeNull();
  });

  it('when the sweep runs, then only expired rows are deleted', async () => {
    const clock = manualClock();
    const store = new SqliteSessionStore(db, clock.now);
    store.set('old', data(clock.now() + 1_000));
    store.set('new', data(clock.now() + 120_000));
    clock.advance(60_000);
    expect(await store.sweep()).toBe(1);
    expect(db.prepare('SELECT sid FROM sessions').all()).toEqual([{ sid: 'new' }]);
  });

  it('when thousands of rows have expired, then the sweep deletes them all in bounded batches, letting other work run between', async () => {
    const clock = manualClock();
    const store = new SqliteSessionStore(db, clock.now);
    const expired = SWEEP_BATCH * 4 + 7;
    db.transaction(() => {
      for (let i = 0; i < expired; i++) store.set(`old-${i}`, data(clock.now() + 1_000));
    })();
    store.set('live', data(clock.now() + 120_000));
    clock.advance(60_000);
    // What other requests would see while the sweep runs: one batch gone at a time.
    const seen: number[] = [];
    const count = () => db.prepare('SELECT count(*) FROM sessions').pluck().get() as number;
    const watch = () => {
      seen.push(count());
      if (seen.at(-1)! > 1) setImmediate(watch);
    };
    setImmediate(watch);
    expect(await store.sweep()).toBe(expired);
    expect(db.prepare('SELECT sid FROM sessions').all()).toEqual([{ sid: 'live' }]);
    const during = seen.filter((n) => n > 1 && n < expired + 1);
    expect(during.length).toBeGreaterThanOrEqual(3);
    for (const n of during) expect((expired + 1 - n) % SWEEP_BATCH).toBe(0);
  });

  it('when a session is destroyed, then its row is gone', async () => {
    const store = new SqliteSessionStore(db);
    store.set('gone', data(Date.now() + 60_000));
    store.destroy('gone');
    expect(await get(store, 'gone')).toBeNull();
  });
});
