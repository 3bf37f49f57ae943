import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/app.js';
import { createStorage } from '../../src/storage/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import { sql } from 'kysely';
import { openDatabase, type Db } from '../../src/db/index.js';
import { testDatabaseEnv, type TestBackend } from './backend.js';
import { createLogger } from '../../src/log.js';
import { createPasswords } from '../../src/auth/passwords.js';
import { fakeClassifier } from './fake-classifier.js';
import { csrfTokenIn } from './fixtures.js';
import { readdirSync } from 'node:fs';
import { createImagesRepo } from '../../src/images/images-repo.js';

/** A clock the tests move by hand. */
export function manualClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const passwords = createPasswords(4); // the lowest bcrypt cost keeps tests fast

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/**
 * An app on a new, migrated database and a new upload store, with captured log lines: a temp SQLite file and
 * folder, or (TEST_BACKEND=postgres) a schema of its own in the test PostgreSQL and a bucket of its own in Swift.
 */
export async function createTestApp(
  overrides: Partial<AppDeps> & { env?: Record<string, string>; backend?: TestBackend; wrapDb?: (db: Db) => Db } = {},
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'image-repo-test-'));
  const config: Config = loadConfig({
    DATA_DIR: dir,
    UPLOAD_DIR: path.join(dir, 'uploads'),
    LOG_LEVEL: 'info',
    // `backend: 'sqlite'` for what only SQLite and the disk have (backups of the file, say).
    ...(overrides.backend === 'sqlite' ? {} : await testDatabaseEnv()),
    ...overrides.env,
  });
  const db: Db = await openDatabase(config);
  const logLines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
  const clock = manualClock();
  const storage = overrides.storage ?? createStorage(config);
  const { wrapDb, ...deps } = overrides;
  const { app, close } = createApp({
    config,
    db: wrapDb ? wrapDb(db) : db,
    storage,
    logger: createLogger(config.logLevel, sink),
    passwords,
    sessionSecret: 'test-secret-that-is-long-enough-for-the-check',
    now: clock.now,
    classifier: fakeClassifier(),
    ...deps,
  });
  const storedKeys = async () => {
    const keys: string[] = [];
    for await (const key of storage.list()) keys.push(key);
    return keys.sort();
  };
  return {
    app, db, config, dir, clock, logLines, storage, backend: db.dialect,
    agent: () => request.agent(app),
    /** Every key in the storage (stored originals and thumbnails), on disk or in a bucket, sorted. */
    storedKeys,
    /** The stored originals and thumbnails, sorted: the same as storedKeys, under the name the tests read best. */
    storedFiles: storedKeys,
    /** Files in the incoming folder (always on this machine, whatever the storage). */
    incomingFiles: () => readdirSync(path.join(config.uploadDir, '.incoming')),
    count: async (table: string) => Number((await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db.query)).rows[0].n),
    /** How many labels the stored images hold in all (each image's JSON list, counted here for both dialects). */
    labelCount: async () =>
      (await db.query.selectFrom('images').select('labels').execute()).reduce((n, r) => n + (r.labels ? (JSON.parse(r.labels) as unknown[]).length : 0), 0),
    /** Rows of a query written once for both dialects: `await t.rows\`SELECT ... WHERE id = ${id}\``. */
    rows: async <T = Record<string, unknown>>(strings: TemplateStringsArray, ...values: unknown[]) =>
      (await sql<T>(strings, ...values).execute(db.query)).rows,
    async close() {
      await close();
      await db.close();
      storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The CSRF token the page at `url` carries (from its meta tag), fetched with the agent's cookies. */
export async function csrfFrom(agent: request.Agent, url = '/login'): Promise<string> {
  const res = await agent.get(url);
  return csrfTokenIn(res.text, `${url} (status ${res.status})`);
}

export async function register(agent: request.Agent, username: string, password = 'correct horse') {
  const _csrf = await csrfFrom(agent, '/register');
  return agent.post('/register').type('form').send({ _csrf, username, password, confirm: password });
}

export async function login(agent: request.Agent, username: string, password = 'correct horse') {
  const _csrf = await csrfFrom(agent, '/login');
  return agent.post('/login').type('form').send({ _csrf, username, password });
}

/** What `npm run reclassify`'s steps (src/images/reclassify.ts) need, on the test app's database and storage. */
export const reclassifyDeps = (t: TestApp) =>
  ({ images: createImagesRepo(t.db), storage: t.storage, uploadDir: t.config.uploadDir, maxPixels: t.config.maxPixels, logger: createLogger('silent') });

/** A signed-in agent for a new user. */
export async function signedInAgent(t: TestApp, username: string) {
  const agent = t.agent();
  const res = await register(agent, username);
  if (res.status !== 303) throw new Error(`registering ${username} failed: ${res.status}`);
  return agent;
}

/** Out of the caller's trash for good, files and all (JSON, as a script would): what a delete was before the trash. */
export async function emptyTrash(agent: request.Agent, ids: string[]) {
  const token = await csrfFrom(agent, '/upload');
  return agent.post('/trash/delete').set('X-CSRF-Token', token).set('Accept', 'application/json').send({ ids });
}

export type Upload = { name: string; data: Buffer };

/**
 * POST /images as a script would: token in the header, JSON answer. The tests send the same few fixtures
 * again and again, so copies are kept unless `fields` says otherwise (test/http/duplicates.test.ts does).
 */
export async function upload(agent: request.Agent, files: Upload[], visibility = 'public', omitVisibility = false, fields: Record<string, string> = {}) {
  const token = await csrfFrom(agent, '/upload');
  let req = agent.post('/images').set('X-CSRF-Token', token).set('Accept', 'application/json');
  if (!omitVisibility) req = req.field('visibility', visibility);
  for (const [name, value] of Object.entries({ duplicates: 'keep', ...fields })) req = req.field(name, value);
  for (const f of files) req = req.attach('images', f.data, f.name);
  return req;
}
