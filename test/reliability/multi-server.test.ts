// Two real app servers (each its own process, its own disk) on one PostgreSQL and one bucket, behind haproxy:
// what is done through one is seen through the other, the bucket and the tables agree after each step, a
// server killed in the middle of an upload leaves nothing behind once swept, and its users carry on, signed
// in, through the other. The login limiter counts across both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_SWEEP_GRACE_MS } from '../../src/images/sweeper.js';
import { newBucketEnv, newSchemaUrl } from '../helpers/backend.js';
import { csrfTokenIn, solidPng } from '../helpers/fixtures.js';
import { liveBackend, type LiveBackend } from '../helpers/live-backend.js';
import { killAllLiveServers, logIn, registerUser, startLiveServer, type LiveServer, type Session } from '../helpers/live-server.js';
import { freePort } from '../helpers/ports.js';
import { startHaproxy, useHaproxy, usePostgres, useSwift } from '../helpers/services.js';

// Each registers its own skip (or, under CI=true, failure) when its service is missing.
const ready = [usePostgres(), useSwift(), useHaproxy()].every(Boolean);
let root: string;
let shared: Record<string, string>;
let library: LiveBackend;
let a: LiveServer;
let b: LiveServer;
let balancer: Awaited<ReturnType<typeof startHaproxy>>;
let pngs: Buffer[];
// Each server's port, chosen once: A comes back where the balancer sends A's share.
const ports = new Map<string, number>();

const own = (name: string) => ({ DATA_DIR: path.join(root, name, 'data'), UPLOAD_DIR: path.join(root, name, 'uploads'), MODEL_DIR: path.join(root, 'no-model') });
const startServer = (name: string) => startLiveServer({ ...shared, ...own(name), PORT: String(ports.get(name)), LOG_LEVEL: 'info' });

beforeAll(async () => {
  if (!ready) return;
  root = mkdtempSync(path.join(tmpdir(), 'image-repo-multi-'));
  shared = { DATABASE_URL: await newSchemaUrl(), SESSION_SECRET: 'a-secret-every-server-of-this-library-shares', ...(await newBucketEnv()) };
  // Looks at the library from outside, through the same settings.
  library = await liveBackend(path.join(root, 'outside'), shared);
  for (const name of ['a', 'b']) ports.set(name, await freePort());
  [a, b] = await Promise.all([startServer('a'), startServer('b')]);
  balancer = await startHaproxy([ports.get('a')!, ports.get('b')!]);
  pngs = await Promise.all(Array.from({ length: 40 }, (_, i) => solidPng(`#${(0x102030 + i * 0x040404).toString(16)}`, 80 + i, 60)));
}, 120_000);
afterAll(async () => {
  await balancer?.stop();
  await killAllLiveServers();
  await library?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function upload(base: string, session: Session, count: number, visibility = 'public') {
  const form = new FormData();
  form.append('visibility', visibility);
  form.append('duplicates', 'keep'); // the same bytes again: copies are kept
  for (let i = 0; i < count; i++) form.append('images', new Blob([new Uint8Array(pngs[i])], { type: 'image/png' }), `multi-${i}.png`);
  return fetch(`${base}/images`, { method: 'POST', body: form, headers: { cookie: session.cookie, 'x-csrf-token': session.token, accept: 'application/json' } });
}

const json = async (base: string, url: string, session: Session) =>
  fetch(`${base}${url}`, { headers: { cookie: session.cookie, accept: 'application/json' }, redirect: 'manual' });

/** The bucket holds exactly the two objects of every row (in the library or in a trash), and nothing else; resolves with the library's ids. */
async function expectAgreement(): Promise<string[]> {
  const rows = await library.rows<{ id: string; format: string }>`SELECT id, format FROM images ORDER BY seq`;
  const trashed = await library.rows<{ id: string; format: string }>`SELECT id, format FROM trashed_images`;
  expect(await library.storedKeys()).toEqual([...rows, ...trashed].flatMap((r) => [`${r.id}.${r.format}`, `${r.id}.thumb.webp`]).sort());
  return rows.map((r) => r.id);
}

describe('two servers behind haproxy', { timeout: 120_000 }, () => {
  let session: Session;

  it('when a user signs in through the balancer and uploads through A, then B shows, serves a byte range, finds and trashes it, A restores it, and B deletes it for good', async () => {
    await registerUser(balancer.base, 'sharer');
    session = await logIn(balancer.base, 'sharer', 'correct horse');
    const res = await upload(a.base, session, 1);
    expect(res.status).toBe(200);
    const id = ((await res.json()) as { results: { image: { id: string } }[] }).results[0].image.id;
    expect(await expectAgreement()).toEqual([id]);

    const gallery = await json(b.base, '/', session);
    expect(((await gallery.json()) as { images: { id: string }[] }).images.map((i) => i.id)).toEqual([id]);
    const part = await fetch(`${b.base}/images/${id}/download`, { headers: { cookie: session.cookie, range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    const found = await json(b.base, `/search?q=${id.slice(0, 8)}`, session);
    expect(((await found.json()) as { images: { id: string }[] }).images.map((i) => i.id)).toEqual([id]);

    const post = (base: string, path: string, body: object = {}) => fetch(`${base}${path}`, {
      method: 'POST', body: JSON.stringify(body),
      headers: { cookie: session.cookie, 'x-csrf-token': session.token, accept: 'application/json', 'content-type': 'application/json' },
    });
    expect((await post(b.base, `/images/${id}/delete`)).status).toBe(200);
    expect(await expectAgreement()).toEqual([]);
    expect((await json(a.base, `/images/${id}`, session)).status).toBe(404);
    expect((await post(a.base, '/trash/restore', { ids: [id] })).status).toBe(200);
    expect((await json(b.base, `/images/${id}`, session)).status).toBe(200);
    expect((await post(b.base, `/images/${id}/delete`)).status).toBe(200);
    expect((await post(b.base, '/trash/delete', { ids: [id] })).status).toBe(200);
    expect(await expectAgreement()).toEqual([]);
    expect(await library.storedKeys()).toEqual([]);
  });

  it('when the same new photo is uploaded through A and B at the same moment, then one is stored and the other names it, with nothing left of it', async () => {
    for (let round = 0; round < 3; round++) {
      const photo = await solidPng(`#${(0xa01010 + round * 0x000f00).toString(16)}`, 120 + round, 90);
      const send = (base: string) => {
        const form = new FormData();
        form.append('visibility', 'private');
        form.append('images', new Blob([new Uint8Array(photo)], { type: 'image/png' }), `same-${round}.png`);
        return fetch(`${base}/images`, { method: 'POST', body: form, headers: { cookie: session.cookie, 'x-csrf-token': session.token, accept: 'application/json' } })
          .then(async (r) => ({ status: r.status, result: ((await r.json()) as { results: { ok: boolean; reason?: string; copyOf?: string; image?: { id: string } }[] }).results[0] }));
      };
      const answers = await Promise.all([send(a.base), send(b.base)]);
      const stored = answers.filter((x) => x.result.ok);
      expect(stored, JSON.stringify(answers)).toHaveLength(1);
      const copy = answers.find((x) => !x.result.ok)!;
      expect(copy.status).toBe(409);
      expect(copy.result).toMatchObject({ reason: 'duplicate', copyOf: stored[0].result.image!.id });
      expect(await expectAgreement()).toContain(stored[0].result.image!.id);
    }
  });

  it('when A is killed in the middle of a 40-image upload, then the user carries on signed in through B, the sweep leaves nothing half stored, and a retry stores all 40', async () => {
    const before = (await library.storedKeys()).length;
    const cut = upload(a.base, session, 40).then((r) => r.status, (err: Error) => err);
    for (let i = 0; (await library.storedKeys()).length - before < 10; i++) {
      if (i > 1000) throw new Error('no object was stored');
      await new Promise((r) => setTimeout(r, 10));
    }
    await a.kill('SIGKILL');
    expect(await cut, 'killed part-way, not after the answer').toBeInstanceOf(Error);

    // Through the balancer, every request now lands on B, and the session made before is good there.
    for (let i = 0; i < 6; i++) {
      const page = await json(balancer.base, '/', session);
      expect(page.status).toBe(200);
    }
    const kept = await library.rows<{ n: number }>`SELECT count(*) AS n FROM images`;
    // What A left: rows it committed (whole), and objects of the file it was writing, recorded as pending.
    const pending = await library.rows<{ n: number }>`SELECT count(*) AS n FROM pending_files`;
    console.log(`killed A with ${kept[0].n} of 40 images committed and ${pending[0].n} upload(s) pending`);

    // An hour on (the grace a shared sweep leaves another server's upload in flight), A comes back and sweeps.
    await library.rows`UPDATE pending_files SET created_at = created_at - ${SHARED_SWEEP_GRACE_MS + 1}`;
    a = await startServer('a');
    for (let i = 0; (await library.rows<{ n: number }>`SELECT count(*) AS n FROM pending_files`)[0].n > 0; i++) {
      if (i > 500) throw new Error('the sweep did not run');
      await new Promise((r) => setTimeout(r, 20));
    }
    const survivors = await expectAgreement();
    expect(survivors).toHaveLength(kept[0].n);

    const retried = await upload(balancer.base, session, 40);
    expect(retried.status).toBe(200);
    const results = ((await retried.json()) as { results: { ok: boolean }[] }).results;
    expect(results.filter((r) => r.ok)).toHaveLength(40);
    expect(await expectAgreement()).toHaveLength(survivors.length + 40);
  });

  it('when 10 logins fail, half through each server, then the 11th is refused through the balancer', async () => {
    // The form from one server, the post to whichever the balancer picks: the CSRF cookie is good on all.
    const wrong = async (base: string) => {
      const page = await fetch(`${base}/login`);
      const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const token = csrfTokenIn(await page.text());
      return fetch(`${base}/login`, {
        method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, username: 'sharer', password: 'wrong password' }),
      });
    };
    for (let i = 0; i < 10; i++) expect((await wrong(i % 2 ? a.base : b.base)).status).toBe(401);
    expect((await wrong(balancer.base)).status).toBe(429);
  });
});
