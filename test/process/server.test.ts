import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot, tempFolder, solidPng } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';

let root: string;
beforeEach(async () => void (root = (await tempFolder('image-repo-process-')).dir));
afterEach(() => rm(root, { recursive: true, force: true }));

const envFor = (root: string) => ({ DATA_DIR: root, UPLOAD_DIR: path.join(root, 'uploads'), MODEL_DIR: path.join(root, 'no-model') });

async function loginAsDemo(base: string): Promise<{ cookie: string; token: string }> {
  const page = await fetch(`${base}/login`);
  let cookie = page.headers.getSetCookie()[0].split(';')[0];
  const token = /name="csrf-token" content="([^"]+)"/.exec(await page.text())![1];
  const res = await fetch(`${base}/login`, {
    method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, username: 'rishi', password: 'password' }),
  });
  expect(res.status).toBe(303);
  cookie = res.headers.getSetCookie()[0].split(';')[0];
  const gallery = await fetch(`${base}/`, { headers: { cookie } });
  return { cookie, token: /name="csrf-token" content="([^"]+)"/.exec(await gallery.text())![1] };
}

describe('the server process', () => {
  it('when a variable is invalid, then start-up stops with a message naming it', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: repoRoot, env: { PATH: process.env.PATH, PORT: 'eighty' }, encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Configuration error: PORT must be a whole number');
  });

  it('when no model can be loaded, then it still starts, says so in the log, and the demo user can log in', async () => {
    const server = await startServer(envFor(root));
    try {
      expect(server.output()).toContain('No MobileNet model could be loaded');
      const base = `http://127.0.0.1:${server.port}`;
      await loginAsDemo(base);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('when SIGTERM arrives during an upload, then the upload finishes, the process exits 0 and the database is closed cleanly', async () => {
    const server = await startServer(envFor(root));
    const base = `http://127.0.0.1:${server.port}`;
    const { cookie, token } = await loginAsDemo(base);
    const form = new FormData();
    form.append('visibility', 'public');
    const png = await solidPng('#336699', 600, 400);
    for (let i = 0; i < 12; i++) form.append('images', new Blob([png], { type: 'image/png' }), `${i}.png`);
    const uploading = fetch(`${base}/images`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': token, accept: 'application/json' } });
    await new Promise((r) => setTimeout(r, 30));
    server.child.kill('SIGTERM');
    const res = await uploading;
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: { ok: boolean }[] };
    expect(body.results.filter((r) => r.ok)).toHaveLength(12);
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');
    // A clean close checkpoints the WAL and removes it.
    expect(existsSync(path.join(root, 'image-repo.db-wal'))).toBe(false);
  });
});
