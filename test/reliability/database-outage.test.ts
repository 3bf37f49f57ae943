// PostgreSQL stopping under a running app (its own server, so the other tests keep theirs): pages and uploads
// answer a clear 503, nothing is half stored, and once the database is back the app works again by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Classifier } from '../../src/images/classifier.js';
import { createTestApp, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { newBucketEnv } from '../helpers/backend.js';
import { fakeClassifier } from '../helpers/fake-classifier.js';
import { solidPng } from '../helpers/fixtures.js';
import { ownPostgres, usePostgres, useSwift } from '../helpers/services.js';

const postgres = usePostgres();
useSwift();
let db: Awaited<ReturnType<typeof ownPostgres>>;
let t: TestApp;
/** Set by a test to run inside classification, that is, while an upload is under way. */
let duringClassification: (() => Promise<void>) | undefined;

beforeAll(async () => {
  if (!postgres) return;
  db = await ownPostgres();
  const labels = fakeClassifier();
  const classifier: Classifier = {
    async classify(pixels) {
      await duringClassification?.();
      return labels.classify(pixels);
    },
    close: async () => {},
  };
  t = await createTestApp({
    classifier,
    env: { DATABASE_URL: db.url, SESSION_SECRET: 'a-secret-every-server-of-this-library-shares', ...(await newBucketEnv()) },
  });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await db?.remove();
});

const png = (colour: string) => solidPng(colour, 64, 48);

describe('a PostgreSQL outage', () => {
  it('when the database stops, then pages answer 503 and say so; once it is back, the same session carries on', async () => {
    const agent = await signedInAgent(t, 'outage');
    const kept = (await upload(agent, [{ name: 'before.png', data: await png('#123456') }])).body.results[0].image.id as string;
    await db.stop();

    const page = await agent.get('/');
    expect(page.status).toBe(503);
    expect(page.headers['retry-after']).toBeDefined();
    expect(page.text).toContain('The database is not answering right now');
    const json = await agent.get(`/images/${kept}`).set('Accept', 'application/json');
    expect(json.status).toBe(503);
    expect(json.body.error).toMatch(/database is not answering/);
    expect(JSON.stringify(json.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|postgres/i);
    // A probe takes the server out of the balancer while the database is gone.
    expect((await agent.get('/healthz')).body).toMatchObject({ status: 'unavailable', database: false, storage: true });

    await db.resume();
    const back = await agent.get('/').set('Accept', 'application/json');
    expect(back.status).toBe(200);
    expect(back.body.images.map((i: { id: string }) => i.id)).toEqual([kept]);
  });

  it('when the database stops in the middle of an upload, then its files answer 503, nothing is left in the bucket, and a retry stores them', async () => {
    const agent = await signedInAgent(t, 'midway');
    const keysBefore = await t.storedKeys();
    // Every file's classification waits for the same stop: a file classified while the database was still
    // stopping would otherwise be stored, and the answer would be a partial 200.
    let stopping: Promise<void> | undefined;
    duringClassification = () => (stopping ??= db.stop());
    const files = [{ name: 'a.png', data: await png('#654321') }, { name: 'b.png', data: await png('#abcdef') }];
    const res = await upload(agent, files);
    expect(res.status).toBe(503);
    expect(res.body.results.map((r: { reason: string }) => r.reason)).toEqual(['database-unavailable', 'database-unavailable']);
    expect(res.body.results[0].error).toMatch(/database is not answering; try again in a minute/);
    expect(await t.storedKeys()).toEqual(keysBefore);
    expect(t.incomingFiles()).toEqual([]);

    duringClassification = undefined;
    await db.resume();
    expect(await t.count('images')).toBe(1); // the first test's image only: no row of this upload
    const retried = await upload(agent, files);
    expect(retried.status).toBe(200);
    expect(await t.count('images')).toBe(3);
    expect(await t.storedKeys()).toHaveLength(keysBefore.length + 4);
  });
});
