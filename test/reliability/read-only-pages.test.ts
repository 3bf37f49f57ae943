// Reading pages must not write: every write is a WAL append, and every thousand or so a checkpoint with an
// fsync on the event loop, which showed up as multi-second stalls under load.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type request from 'supertest';
import { createTestApp, csrfFrom, signedInAgent, type TestApp } from '../helpers/app.js';
import { solidPng } from '../helpers/fixtures.js';

let t: TestApp;
let agent: request.Agent;
let id: string;
beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t, 'reader');
  const token = await csrfFrom(agent, '/upload');
  const res = await agent.post('/images').set('Accept', 'application/json').set('X-CSRF-Token', token)
    .field('visibility', 'public').attach('images', await solidPng('#3498db', 30, 20), 'blue.png');
  id = res.body.results[0].image.id;
});
afterAll(() => t.close());

/**
 * What a write would change. SQLite: the changes made through the app's one connection (better-sqlite3 runs
 * everything on it). PostgreSQL, whose pool has several: every row version in the schema, since an insert,
 * an update (even to the same values) and a delete each leave a row version with another xmin and ctid, or none.
 */
async function writes(): Promise<unknown> {
  if (t.db.sqlite) return t.db.sqlite.prepare('SELECT total_changes()').pluck().get() as number;
  const tables = await t.rows<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`;
  expect(tables.map((r) => r.name)).toContain('sessions');
  const versions: Record<string, string[]> = {};
  for (const { name } of tables) {
    const rows = await t.rows<{ v: string }>`SELECT xmin::text || ' ' || ctid::text AS v FROM ${sql.table(name)}`;
    versions[name] = rows.map((r) => r.v).sort();
  }
  return versions;
}

describe('pages that only read', () => {
  it('when a signed-in user browses gallery, search, image pages and files, then nothing is written to the database', async () => {
    const before = await writes();
    for (let round = 0; round < 3; round++) {
      for (const url of ['/', '/?page=1', '/search?q=blue', '/upload', `/images/${id}`, `/images/${id}/thumb`, `/images/${id}/file`]) {
        expect((await agent.get(url)).status, url).toBe(200);
      }
      expect((await agent.get('/').set('Accept', 'application/json')).status).toBe(200);
    }
    expect(await writes()).toEqual(before);
  });
});
