// The real server process with DATABASE_URL: a database that cannot be used stops start-up with a message
// naming the setting (and never the password); a good one, with a bucket, keeps the whole library when the
// machine's disk is wiped between restarts, as on a Heroku-style host.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { solidPng, tempFolder } from '../helpers/fixtures.js';
import { killAllLiveServers, logIn, registerUser, startLiveServer } from '../helpers/live-server.js';
import { newBucketEnv, newSchemaUrl } from '../helpers/backend.js';
import { usePostgres, useSwift } from '../helpers/services.js';

usePostgres();
useSwift();
const SESSION_SECRET = 'a-secret-every-server-of-this-library-shares';
let root: string;
beforeEach(async () => void (root = (await tempFolder('image-repo-pg-server-')).dir));
afterEach(() => rm(root, { recursive: true, force: true }));
afterAll(killAllLiveServers);

const local = () => ({ DATA_DIR: path.join(root, 'data'), UPLOAD_DIR: path.join(root, 'uploads'), MODEL_DIR: path.join(root, 'no-model') });
const refusal = async (env: Record<string, string>) => {
  const failed = await startLiveServer({ ...local(), ...env }).catch((err: Error) => err);
  expect(failed).toBeInstanceOf(Error);
  return (failed as Error).message;
};

describe('the server with DATABASE_URL', () => {
  it('when SESSION_SECRET is not set, then start-up stops and says every server needs the same one', async () => {
    const message = await refusal({ DATABASE_URL: await newSchemaUrl() });
    expect(message).toMatch(/Configuration error: SESSION_SECRET must be set when DATABASE_URL is/);
  });

  it('when nothing answers at DATABASE_URL, then start-up stops naming it, without the password', async () => {
    const message = await refusal({ DATABASE_URL: 'postgres://app:hunter2-secret@127.0.0.1:1/images', SESSION_SECRET });
    expect(message).toMatch(/Configuration error: cannot use the PostgreSQL database at DATABASE_URL \(127\.0\.0\.1:1\/images\)/);
    expect(message).not.toContain('hunter2-secret');
  });

  it('when the password is wrong, then start-up stops naming DATABASE_URL, without the password', async () => {
    const url = new URL(await newSchemaUrl());
    url.password = 'not-the-password';
    const message = await refusal({ DATABASE_URL: url.toString(), SESSION_SECRET });
    expect(message).toMatch(/Configuration error: cannot use the PostgreSQL database at DATABASE_URL/);
    expect(message).toMatch(/password authentication failed/);
    expect(message).not.toContain('not-the-password');
  });

  it('when the disk is wiped between restarts, then accounts, sessions and images are all still there', async () => {
    const env = { DATABASE_URL: await newSchemaUrl(), SESSION_SECRET, ...(await newBucketEnv()), LOG_LEVEL: 'info' };
    const first = await startLiveServer({ ...local(), ...env });
    const { cookie, token } = await registerUser(first.base, 'ephemeral');
    const form = new FormData();
    form.append('visibility', 'private');
    form.append('images', new Blob([new Uint8Array(await solidPng('#336699', 400, 300))], { type: 'image/png' }), 'a.png');
    const res = await fetch(`${first.base}/images`, { method: 'POST', body: form, headers: { cookie, 'x-csrf-token': token, accept: 'application/json' } });
    expect(res.status).toBe(200);
    const id = ((await res.json()) as { results: { image: { id: string } }[] }).results[0].image.id;
    await first.kill('SIGTERM');

    await rm(root, { recursive: true, force: true }); // a new dyno: nothing of the old disk is left
    const second = await startLiveServer({ ...local(), ...env });
    // The session made by the first server is good on the second: it lives in the database.
    const file = await fetch(`${second.base}/images/${id}/file`, { headers: { cookie } });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    // And a new login finds the account.
    const again = await logIn(second.base, 'ephemeral', 'correct horse');
    const gallery = await fetch(`${second.base}/`, { headers: { cookie: again.cookie, accept: 'application/json' } });
    expect(((await gallery.json()) as { images: { id: string }[] }).images.map((i) => i.id)).toEqual([id]);
    expect(await fetch(`${second.base}/healthz`).then((r) => r.json())).toMatchObject({ database: true, storage: true });
    await second.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
