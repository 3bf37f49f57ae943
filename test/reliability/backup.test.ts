// npm run backup -- FILE while uploads are running: the copy opens, passes integrity_check, holds every row
// committed before it started, and a restore from it (database + UPLOAD_DIR) gives a working app.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type request from 'supertest';
import { backupDatabase, BackupError } from '../../src/db/backup.js';
import { refuseForeignUploads, sweepUnfinished } from '../../src/images/storage.js';
import { createImagesRepo } from '../../src/images/images-repo.js';
import { createTestApp, csrfFrom, login, signedInAgent, type TestApp } from '../helpers/app.js';
import { noiseImage, repoRoot } from '../helpers/fixtures.js';

const run = promisify(execFile);

let t: TestApp;
let agents: request.Agent[];
let tokens: string[];
let jpeg: Buffer;
let backups: string;
beforeAll(async () => {
  // npm run backup copies the SQLite file; on PostgreSQL, pg_dump is the backup (README).
  t = await createTestApp({ backend: 'sqlite' });
  agents = [await signedInAgent(t, 'backup-a'), await signedInAgent(t, 'backup-b')];
  tokens = await Promise.all(agents.map((a) => csrfFrom(a, '/upload')));
  jpeg = await noiseImage('jpeg', 320, 240);
  backups = mkdtempSync(path.join(tmpdir(), 'image-repo-backups-'));
  // Rows committed well before any backup starts.
  for (const [i, agent] of agents.entries()) await uploadBatch(agent, tokens[i], 3);
});
afterAll(async () => {
  await t.close();
  rmSync(backups, { recursive: true, force: true });
});

async function uploadBatch(agent: request.Agent, token: string, files: number) {
  let req = agent.post('/images').set('Accept', 'application/json').set('X-CSRF-Token', token).field('visibility', 'private').field('duplicates', 'keep'); // the same bytes again: copies are kept
  for (let i = 0; i < files; i++) req = req.attach('images', jpeg, `b${i}.jpg`);
  const res = await req;
  expect(res.status).toBe(200);
}

/** Uploads in a loop from every agent until stop() is called; resolves with how many batches went through. */
function keepUploading() {
  let stopped = false;
  const loops = agents.map(async (agent, i) => {
    let batches = 0;
    while (!stopped) {
      await uploadBatch(agent, tokens[i], 2);
      batches++;
    }
    return batches;
  });
  return { stop: async () => ((stopped = true), (await Promise.all(loops)).reduce((a, b) => a + b, 0)) };
}

const committed = () => ({
  users: t.db.sqlite!.prepare('SELECT id, username FROM users ORDER BY id').all() as { id: number; username: string }[],
  images: t.db.sqlite!.prepare('SELECT id FROM images ORDER BY seq').pluck().all() as string[],
});

/** The copy is sound on its own and holds everything in `before`, each image whole (row, 3 labels, terms). */
function expectSoundCopy(file: string, before: ReturnType<typeof committed>) {
  const copy = new Database(file, { readonly: true, fileMustExist: true });
  try {
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.pragma('foreign_key_check')).toEqual([]);
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(copy.pragma('user_version', { simple: true })).toBe(t.db.sqlite!.pragma('user_version', { simple: true }));
    const users = copy.prepare('SELECT id, username FROM users ORDER BY id').all();
    expect(users).toEqual(expect.arrayContaining(before.users));
    const ids = copy.prepare('SELECT id FROM images ORDER BY seq').pluck().all() as string[];
    expect(ids.slice(0, before.images.length)).toEqual(before.images);
    // Never half an upload: every image in the copy has its three labels and its search terms.
    expect(copy.prepare('SELECT count(*) FROM images WHERE coalesce(json_array_length(labels), 0) <> 3').pluck().get()).toBe(0);
    expect(copy.prepare('SELECT count(*) FROM images i WHERE NOT EXISTS (SELECT 1 FROM image_terms WHERE image_seq = i.seq)').pluck().get()).toBe(0);
    return ids;
  } finally {
    copy.close();
  }
}

describe('backup while uploads run', () => {
  it('when the backup function runs in the middle of uploads, then the copy is sound and has every row committed before it', async () => {
    const uploads = keepUploading();
    await new Promise((r) => setTimeout(r, 150));
    const before = committed();
    const result = await backupDatabase(t.config.databasePath, path.join(backups, 'in-process.db'));
    const batches = await uploads.stop();
    expect(result).toMatchObject({ target: path.join(backups, 'in-process.db'), integrity: 'ok' });
    expect(result.pages).toBeGreaterThan(0);
    const ids = expectSoundCopy(result.target, before);
    expect(batches).toBeGreaterThan(0);
    // Uploads kept committing while the copy was made; the copy holds no row the database never had.
    expect(committed().images).toEqual(expect.arrayContaining(ids));
  });

  it('when `npm run backup` (the script) runs in another process during uploads, then it says where it wrote and the copy is sound', async () => {
    const uploads = keepUploading();
    await new Promise((r) => setTimeout(r, 100));
    const before = committed();
    const target = path.join(backups, 'script.db');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/db/backup.ts', target], {
      cwd: repoRoot, env: { ...process.env, DATABASE_PATH: t.config.databasePath, UPLOAD_DIR: t.config.uploadDir },
    });
    await uploads.stop();
    expect(stdout).toContain(`to ${target} (`);
    expect(stdout).toContain('integrity ok');
    expect(stdout).toContain(t.config.uploadDir);
    expectSoundCopy(target, before);
  });
});

describe('the script refuses bad arguments clearly', () => {
  const script = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, ['--import', 'tsx', 'src/db/backup.ts', ...args], { cwd: repoRoot, env: { ...process.env, DATABASE_PATH: t.config.databasePath, ...env } })
      .then(() => ({ code: 0, stderr: '' }), (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }));

  it.each([
    ['no file is named', [], 2, /Say where to write the backup\.\nUsage: npm run backup -- FILE/],
    ['two files are named', ['a.db', 'b.db'], 2, /Expected one file name, got: a\.db b\.db/],
    ['an option is passed instead', ['--force'], 2, /Usage: npm run backup -- FILE/],
    ['the file exists', ['EXISTING'], 1, /already exists; a backup never overwrites/],
    ['the folder does not exist', ['MISSING_DIR/x.db'], 1, /the folder .*missing does not exist/],
  ] as const)('when %s, then it exits non-zero and says why', async (_what, args, code, message) => {
    const existing = path.join(backups, 'in-process.db');
    const resolved = args.map((a) => a.replace('EXISTING', existing).replace('MISSING_DIR', path.join(backups, 'missing')));
    const result = await script(resolved);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it('when DATABASE_URL is set, then it copies nothing and points to pg_dump', async () => {
    const target = path.join(backups, 'not-made.db');
    const result = await script([target], { DATABASE_URL: 'postgres://app:pw@db.internal/images' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the rows are in PostgreSQL, so back them up with pg_dump/);
    expect(existsSync(target)).toBe(false);
  });

  it('when there is no database where the app keeps it, then it says so and creates nothing', async () => {
    const target = path.join(backups, 'nothing.db');
    const result = await script([target], { DATABASE_PATH: path.join(backups, 'no-such.db') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Backup failed: there is no database at .*no-such\.db/);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(path.join(backups, 'no-such.db'))).toBe(false);
  });

  it('when called as a function with the database as target, then it refuses', async () => {
    await expect(backupDatabase(t.config.databasePath, t.config.databasePath)).rejects.toBeInstanceOf(BackupError);
  });
});

describe('restore', () => {
  it('when the backup and a later copy of UPLOAD_DIR are restored, then the app starts clean and every image is whole', async () => {
    const before = committed();
    const db = path.join(backups, 'restore-source.db');
    await backupDatabase(t.config.databasePath, db);
    await uploadBatch(agents[0], tokens[0], 2); // after the backup: files without rows in the restored copy
    const restored = mkdtempSync(path.join(tmpdir(), 'image-repo-restored-'));
    cpSync(db, path.join(restored, 'image-repo.db'));
    cpSync(t.config.uploadDir, path.join(restored, 'uploads'), { recursive: true });

    const r = await createTestApp({ backend: 'sqlite', env: { DATA_DIR: restored, UPLOAD_DIR: path.join(restored, 'uploads') } });
    try {
      const ids = new Set(r.db.sqlite!.prepare('SELECT id FROM images').pluck().all() as string[]);
      // What server.ts does at start: it refuses nothing (the database has images) and removes only files
      // recorded as unfinished; the files of uploads after the backup have no record and stay, unused.
      const images = createImagesRepo(r.db);
      await sweepUnfinished(r.config.uploadDir, r.storage, images);
      await refuseForeignUploads(r.storage, { where: 'UPLOAD_DIR', database: 'the restored database' }, images);
      const stems = new Set((await r.storedFiles()).map((f) => f.slice(0, 36)));
      expect([...ids].every((id) => stems.has(id))).toBe(true);
      expect(await r.storedFiles()).toHaveLength(2 * ids.size + 4);
      expect([...ids]).toEqual(expect.arrayContaining(before.images));
      const agent = r.agent();
      expect((await login(agent, 'backup-a')).status).toBe(303);
      const gallery = await agent.get('/').set('Accept', 'application/json');
      expect(gallery.body.total).toBe((r.db.sqlite!.prepare("SELECT count(*) FROM images i JOIN users u ON u.id = i.owner_id WHERE u.username = 'backup-a'").pluck().get()));
      for (const image of gallery.body.images.slice(0, 5)) expect((await agent.get(`/images/${image.id}/file`)).status).toBe(200);
    } finally {
      await r.close();
      rmSync(restored, { recursive: true, force: true });
    }
  });
});
