import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/app.js';
import { createStorage } from '../../src/storage/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase } from '../../src/db/open.js';
import { createLogger } from '../../src/log.js';
import { createPasswords } from '../../src/auth/passwords.js';
import { fakeClassifier } from './fake-classifier.js';
import { csrfTokenIn } from './fixtures.js';
import { readdirSync } from 'node:fs';

/** A clock the tests move by hand. */
export function manualClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const passwords = createPasswords(4); // the lowest bcrypt cost keeps tests fast

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/** An app on a temp SQLite file (migrated) and a temp upload dir, with captured log lines. */
export async function createTestApp(overrides: Partial<AppDeps> & { env?: Record<string, string> } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'image-repo-test-'));
  const config: Config = loadConfig({
    DATA_DIR: dir,
    UPLOAD_DIR: path.join(dir, 'uploads'),
    LOG_LEVEL: 'info',
    ...overrides.env,
  });
  const db = openDatabase(config.databasePath);
  const logLines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
  const clock = manualClock();
  const storage = overrides.storage ?? createStorage(config);
  const { app, close } = createApp({
    config,
    db,
    storage,
    logger: createLogger(config.logLevel, sink),
    passwords,
    sessionSecret: 'test-secret-that-is-long-enough-for-the-check',
    now: clock.now,
    classifier: fakeClassifier(),
    ...overrides,
  });
  return {
    app, db, config, dir, clock, logLines, storage,
    agent: () => request.agent(app),
    /** Every key in the storage (stored originals and thumbnails), on disk or in a bucket. */
    storedKeys: async () => {
      const keys: string[] = [];
      for await (const key of storage.list()) keys.push(key);
      return keys;
    },
    /** Files in UPLOAD_DIR (stored originals and thumbnails) and in its incoming folder. */
    storedFiles: () => readdirSync(config.uploadDir).filter((f) => !f.startsWith('.')).sort(),
    incomingFiles: () => readdirSync(path.join(config.uploadDir, '.incoming')),
    count: (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
    close() {
      close();
      db.close();
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

/** A signed-in agent for a new user. */
export async function signedInAgent(t: TestApp, username: string) {
  const agent = t.agent();
  const res = await register(agent, username);
  if (res.status !== 303) throw new Error(`registering ${username} failed: ${res.status}`);
  return agent;
}

export type Upload = { name: string; data: Buffer };

/** POST /images as a script would: token in the header, JSON answer. */
export async function upload(agent: request.Agent, files: Upload[], visibility = 'public', omitVisibility = false) {
  const token = await csrfFrom(agent, '/upload');
  let req = agent.post('/images').set('X-CSRF-Token', token).set('Accept', 'application/json');
  if (!omitVisibility) req = req.field('visibility', visibility);
  for (const f of files) req = req.attach('images', f.data, f.name);
  return req;
}
