import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionData } from 'express-session';
import type { Db } from '../../src/db/index.js';
import { DatabaseSessionStore, SWEEP_BATCH } from '../../src/web/session-store.js';
import { manualClock } from '../helpers/app.js';
import { testBackend, testDatabase } from '../helpers/backend.js';

let db: Db;
beforeAll(async () => void (db = await testDatabase()));
afterAll(() => db.close());
afterEach(() => db.query.deleteFrom('sessions').execute());

const data = (expires: number) => ({ cookie: { expires: new Date(expires), originalMaxAge: 1000 } }) as unknown as SessionData;
const callback = <T>(run: (done: (err: unknown, value?: T) => void) => void) =>
  new Promise<T | undefined>((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value))));
const get = (store: DatabaseSessionStore, sid: string) => callback<SessionData | null>((done) => store.get(sid, done));
const set = (store: DatabaseSessionStore, sid: string, session: SessionData) => callback((done) => store.set(sid, session, done));
const sids = async () => (await db.query.selectFrom('sessions').select('sid').orderBy('sid').execute()).map((r) => r.sid);
const count = async () => (await sids()).length;

describe(`session store on ${testBackend}`, () => {
  it('when a session is stored, then it is read back until its cookie expires', async () => {
    const clock = manualClock();
    const store = new DatabaseSessionStore(db, clock.now);
    await set(store, 'a', data(clock.now() + 60_000));
    expect(await get(store, 'a')).toMatchObject({ cookie: {} });
    clock.advance(60_000);
    expect(await get(store, 'a')).toBeNull();
  });

  it('when a session is stored again, then the row is replaced, not doubled', async () => {
    const clock = manualClock();
    const store = new DatabaseSessionStore(db, clock.now);
    await set(store, 'a', data(clock.now() + 60_000));
    await set(store, 'a', { ...data(clock.now() + 90_000), userId: 7 } as SessionData);
    expect(await get(store, 'a')).toMatchObject({ userId: 7 });
    expect(await sids()).toEqual(['a']);
  });

  it('when the sweep runs, then only expired rows are deleted', async () => {
    const clock = manualClock();
    const store = new DatabaseSessionStore(db, clock.now);
    await set(store, 'old', data(clock.now() + 1_000));
    await set(store, 'new', data(clock.now() + 120_000));
    clock.advance(60_000);
    expect(await store.sweep()).toBe(1);
    expect(await sids()).toEqual(['new']);
  });

  it('when thousands of rows have expired, then the sweep deletes them all in bounded batches, letting other work run between', async () => {
    const clock = manualClock();
    const store = new DatabaseSessionStore(db, clock.now);
    const expired = SWEEP_BATCH * 4 + 7;
    const rows = Array.from({ length: expired }, (_, i) => ({ sid: `old-${i}`, data: '{}', expires_at: clock.now() + 1_000 }));
    await db.query.insertInto('sessions').values(rows).execute();
    await set(store, 'live', data(clock.now() + 120_000));
    clock.advance(60_000);
    // What other requests would see while the sweep runs: one batch gone at a time.
    const seen: number[] = [];
    // A warm pool, as a running server's is: the watcher's first look must not wait for a new connection.
    await Promise.all([count(), count(), count()]);
    // Each look is a new turn of the event loop, as another request would be.
    const watching = (async () => {
      for (let n = expired + 1; n > 1; seen.push(n)) {
        await new Promise((resolve) => setImmediate(resolve));
        n = await count();
      }
    })();
    expect(await store.sweep()).toBe(expired);
    await watching;
    expect(await sids()).toEqual(['live']);
    const during = seen.filter((n) => n > 1 && n < expired + 1);
    expect(during.length).toBeGreaterThanOrEqual(3);
    for (const n of during) expect((expired + 1 - n) % SWEEP_BATCH).toBe(0);
  });

  it('when a session is destroyed, then its row is gone', async () => {
    const store = new DatabaseSessionStore(db);
    await set(store, 'gone', data(Date.now() + 60_000));
    await callback((done) => store.destroy('gone', done));
    expect(await get(store, 'gone')).toBeNull();
  });
});
