// Start-up never deletes stored images just because the database does not know them (audit finding 4).
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { solidPng, tempFolder } from '../helpers/fixtures.js';
import { killAllLiveServers, logIn, startLiveServer } from '../helpers/live-server.js';

let root: string;
beforeEach(async () => void (root = (await tempFolder('image-repo-uploads-')).dir));
afterEach(() => rm(root, { recursive: true, force: true }));
afterAll(killAllLiveServers);

const uploads = () => path.join(root, 'uploads');
const envFor = (dataDir: string) => ({ DATA_DIR: dataDir, UPLOAD_DIR: uploads(), MODEL_DIR: path.join(root, 'no-model'), LOG_LEVEL: 'info' });
const stored = () => readdirSync(uploads()).filter((f) => !f.startsWith('.')).sort();

async function uploadOne(base: string, name: string): Promise<string> {
  const { cookie, token } = await logIn(base);
  const form = new FormData();
  form.append('visibility', 'public');
  form.append('duplicates', 'keep'); // the same file under each name
  form.append('images', new Blob([new Uint8Array(await solidPng('#336699', 300, 200))], { type: 'image/png' }), name);
  const res = await fetch(`${base}/images`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': token, accept: 'application/json' } });
  return ((await res.json()) as { results: { image: { id: string } }[] }).results[0].image.id;
}

describe('the upload folder at start-up', () => {
  it('when the database is new and empty but UPLOAD_DIR holds images, then start-up is refused naming both settings and no file is touched', async () => {
    const first = await startLiveServer(envFor(path.join(root, 'data')));
    await uploadOne(first.base, 'a.png');
    await uploadOne(first.base, 'b.png');
    await first.kill('SIGTERM');
    const before = stored();
    expect(before).toHaveLength(4);

    // A mistyped DATA_DIR: a fresh, empty database beside the same uploads.
    const second = await startLiveServer(envFor(path.join(root, 'data-typo'))).catch((err: Error) => err);
    expect(second).toBeInstanceOf(Error);
    const message = (second as Error).message;
    expect(message).toContain('Configuration error');
    expect(message).toContain(`UPLOAD_DIR (${uploads()})`);
    expect(message).toContain(`DATABASE_PATH (${path.join(root, 'data-typo', 'image-repo.db')})`);
    expect(stored()).toEqual(before);
  });

  it('when files that no record names sit in UPLOAD_DIR, then a restart keeps them; files recorded as unfinished go', async () => {
    const server = await startLiveServer(envFor(path.join(root, 'data')));
    const kept = await uploadOne(server.base, 'kept.png');
    await server.kill('SIGTERM');
    // One image's files from elsewhere (a restored backup, say), and one upload that died between its files and its row.
    const foreign = '11111111-2222-4333-8444-555555555555';
    const unfinished = '66666666-7777-4888-8999-000000000000';
    for (const id of [foreign, unfinished]) {
      writeFileSync(path.join(uploads(), `${id}.png`), 'x');
      writeFileSync(path.join(uploads(), `${id}.thumb.webp`), 'x');
    }
    mkdirSync(path.join(uploads(), '.incoming'), { recursive: true });
    writeFileSync(path.join(uploads(), '.incoming', 'half.part'), 'x');
    const db = new Database(path.join(root, 'data', 'image-repo.db'));
    db.prepare("INSERT INTO pending_files (id, format, created_at) VALUES (?, 'png', 0)").run(unfinished);
    db.close();

    const restarted = await startLiveServer(envFor(path.join(root, 'data')));
    // Its own word that the sweep ran, not only an answer on its port (which another test's server, started on
    // the same free port a moment later, could give under load).
    for (let i = 0; i < 200 && !restarted.output().includes('never finished'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(restarted.output()).toMatch(/"images":1,"msg":"removed the files of uploads and deletes that never finished"/);
    expect(stored()).toEqual([`${foreign}.png`, `${foreign}.thumb.webp`, `${kept}.png`, `${kept}.thumb.webp`].sort());
    expect(readdirSync(path.join(uploads(), '.incoming'))).toEqual([]);
    const check = new Database(path.join(root, 'data', 'image-repo.db'), { readonly: true });
    expect(check.prepare('SELECT count(*) FROM pending_files').pluck().get()).toBe(0);
    check.close();
    await restarted.kill('SIGTERM');
  });
});
