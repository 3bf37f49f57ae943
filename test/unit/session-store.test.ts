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
    // Each DELETE the store runs, with how many rows it took and how many turns of the event loop other
    // work had had by then (a ticker on setImmediate stands for the other requests).
    let ticks = 0;
    const deletes: { rows: number; ticks: number }[] = [];
    const kinds = new Map<unknown, string>();
    const watched: Db = {
      ...db,
      query: db.query.withPlugin({
        transformQuery: ({ node, queryId }) => (kinds.set(queryId, node.kind), node),
        transformResult: async ({ result, queryId }) => {
          if (kinds.get(queryId) === 'DeleteQueryNode') deletes.push({ rows: Number(result.numAffectedRows), ticks });
          return result;
        },
      }),
    };
    const store = new DatabaseSessionStore(watched, clock.now);
    const expired = SWEEP_BATCH * 4 + 7;
    const rows = Array.from({ length: expired }, (_, i) => ({ sid: `old-${i}`, data: '{}', expires_at: clock.now() + 1_000 }));
    await db.query.insertInto('sessions').values(rows).execute();
    await set(store, 'live', data(clock.now() + 120_000));
    clock.advance(60_000);
    let ticking = true;
    const ticker = (async () => {
      while (ticking) {
        await new Promise((resolve) => setImmediate(resolve));
        ticks++;
      }
    })();
    expect(await store.sweep()).toBe(expired);
    ticking = false;
    await ticker;
    expect(await sids()).toEqual(['live']);
    expect(deletes.map((d) => d.rows)).toEqual([SWEEP_BATCH, SWEEP_BATCH, SWEEP_BATCH, SWEEP_BATCH, 7]);
    for (let i = 1; i < deletes.length; i++) expect(deletes[i].ticks, `other work ran before batch ${i + 1}`).toBeGreaterThan(deletes[i - 1].ticks);
  });

  it('when a session is destroyed, then its row is gone', async () => {
    const store = new DatabaseSessionStore(db);
    await set(store, 'gone', data(Date.now() + 60_000));
    await callback((done) => store.destroy('gone', done));
    expect(await get(store, 'gone')).toBeNull();
  });
});
