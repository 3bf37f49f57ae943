// API tokens for scripts: made on the account page (shown once, kept hashed), sent as a bearer on the JSON
// API with the user's own access rules and no CSRF token, refused on every page for people, read-only when
// read, dead at once when revoked or expired, on every server; bad ones are rate-limited.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type request from 'supertest';
import { MAX_BAD_TOKENS } from '../../src/auth/bearer.js';
import { createTestApp, csrfFrom, login, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { solidPng } from '../helpers/fixtures.js';

let t: TestApp;
let owner: request.Agent;
beforeEach(async () => {
  t = await createTestApp();
  owner = await signedInAgent(t, 'scripter');
});
afterEach(() => t.close());

/** Makes a token through the account page, as a person would; returns its secret and the page. */
async function makeToken(agent: request.Agent, fields: { name?: string; scope?: string; days?: string } = {}) {
  const _csrf = await csrfFrom(agent, '/account');
  const res = await agent.post('/account/tokens').type('form').send({ _csrf, name: 'backup script', scope: 'read-write', days: '30', ...fields });
  const secret = /value="(irt_[A-Za-z0-9_-]{43})"/.exec(res.text)?.[1];
  return { res, secret: secret! };
}

const api = (secret: string) => ({ Authorization: `Bearer ${secret}`, Accept: 'application/json' });
const png = () => solidPng('#cc3311', 80, 60);

describe('making and listing tokens', () => {
  it('when a token is made, then its secret is shown once, only its hash is stored, and the list shows it without the secret', async () => {
    const { res, secret } = await makeToken(owner);
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(secret).toMatch(/^irt_/);
    const rows = await t.rows<{ secret_hash: string; name: string; scope: string }>`SELECT secret_hash, name, scope FROM api_tokens`;
    expect(rows).toEqual([{ secret_hash: expect.stringMatching(/^[0-9a-f]{64}$/), name: 'backup script', scope: 'read-write' }]);
    expect(JSON.stringify(rows)).not.toContain(secret);
    const page = await owner.get('/account');
    expect(page.text).toContain('backup script');
    expect(page.text).not.toContain(secret);
    expect(page.text).toMatch(/<td data-label="Last used">never<\/td>/); // not used yet
  });

  it('when the form is wrong (no name, a long one, an unknown scope or lifetime), then it is refused naming the field and nothing is made', async () => {
    for (const [fields, message] of [
      [{ name: '  ' }, 'Name the token'], [{ name: 'x'.repeat(65) }, 'At most 64 characters'],
      [{ scope: 'admin' }, 'Choose read or read and write'], [{ days: '3' }, 'Choose one of the lifetimes'], [{ days: '-1' }, 'Choose one of the lifetimes'],
    ] as const) {
      const { res } = await makeToken(owner, fields);
      expect(res.status, JSON.stringify(fields)).toBe(422);
      expect(res.text).toContain(message);
    }
    expect(await t.count('api_tokens')).toBe(0);
  });

  it('when the form is posted without its CSRF token, then it is refused', async () => {
    const res = await owner.post('/account/tokens').type('form').send({ name: 'x', scope: 'read', days: '30' });
    expect(res.status).toBe(403);
    expect(await t.count('api_tokens')).toBe(0);
  });
});

describe('a token on the JSON API', () => {
  it('when a read-write token uploads, changes visibility and deletes without a CSRF token, then all works as for its user, and no session or cookie is made', async () => {
    const { secret } = await makeToken(owner);
    const sessions = await t.count('sessions');
    const stored = await t.agent().post('/images').set(api(secret)).field('visibility', 'private').attach('images', await png(), 'red.png');
    expect(stored.status).toBe(200);
    expect(stored.headers['set-cookie']).toBeUndefined();
    const id = stored.body.results[0].image.id as string;
    expect(stored.body.results[0].image).toMatchObject({ owner: 'scripter', visibility: 'private' });

    const gallery = await t.agent().get('/').set(api(secret));
    expect(gallery.body.images.map((i: { id: string }) => i.id)).toEqual([id]);
    expect((await t.agent().get(`/search?q=scripter`).set(api(secret))).body.images).toHaveLength(1);
    const file = await t.agent().get(`/images/${id}/file`).set('Authorization', `Bearer ${secret}`);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');

    const changed = await t.agent().post(`/images/${id}/visibility`).set(api(secret)).send({ visibility: 'public' });
    expect(changed.status).toBe(200);
    expect(changed.body.image.visibility).toBe('public');
    expect((await t.agent().post(`/images/${id}/delete`).set(api(secret))).status).toBe(200);
    expect(await t.count('images')).toBe(0);
    expect(await t.count('sessions')).toBe(sessions);
  });

  it("when another user's token asks for the owner's images, then the private one is the 404 of an unknown id and the public one cannot be changed", async () => {
    const ids: string[] = [];
    for (const visibility of ['private', 'public']) ids.push((await upload(owner, [{ name: `${visibility}.png`, data: await png() }], visibility)).body.results[0].image.id);
    const other = await signedInAgent(t, 'neighbour');
    const { secret } = await makeToken(other);
    expect((await t.agent().get(`/images/${ids[0]}`).set(api(secret))).status).toBe(404);
    expect((await t.agent().get(`/images/${ids[0]}/file`).set('Authorization', `Bearer ${secret}`)).status).toBe(404);
    expect((await t.agent().get('/').set(api(secret))).body.images.map((i: { id: string }) => i.id)).toEqual([ids[1]]);
    expect((await t.agent().post(`/images/${ids[1]}/visibility`).set(api(secret)).send({ visibility: 'private' })).status).toBe(403);
    expect((await t.agent().post(`/images/${ids[1]}/delete`).set(api(secret))).status).toBe(403);
    expect(await t.count('images')).toBe(2);
  });

  it('when a read token reads, then it may; when it uploads or changes anything, then it is refused with 403 and nothing changes', async () => {
    const { secret } = await makeToken(owner, { scope: 'read' });
    const id = (await upload(owner, [{ name: 'a.png', data: await png() }])).body.results[0].image.id as string;
    expect((await t.agent().get(`/images/${id}`).set(api(secret))).status).toBe(200);
    const refused = [
      await t.agent().post('/images').set(api(secret)).field('visibility', 'public').attach('images', await png(), 'b.png'),
      await t.agent().post(`/images/${id}/visibility`).set(api(secret)).send({ visibility: 'private' }),
      await t.agent().post(`/images/${id}/delete`).set(api(secret)),
    ];
    for (const res of refused) {
      expect(res.status).toBe(403);
      expect(res.body.error).toMatch(/may only read/);
      expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
    }
    expect(await t.count('images')).toBe(1);
    expect((await t.agent().get(`/images/${id}`).set(api(secret))).body.image.visibility).toBe('public');
  });

  it('when a token is used, then its last use is shown on the account page', async () => {
    const { secret } = await makeToken(owner);
    await t.agent().get('/').set(api(secret));
    const page = await owner.get('/account');
    expect(page.text).toMatch(/<td data-label="Last used">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/td>/);
  });
});

describe('where a token does not work', () => {
  it('when a token comes to a page for people (an HTML page, the login, registration and account forms), then it is refused and not used', async () => {
    const { secret } = await makeToken(owner);
    expect((await t.agent().get('/').set('Authorization', `Bearer ${secret}`)).status).toBe(406);
    for (const [method, path] of [['get', '/account'], ['post', '/account/tokens'], ['post', '/logout'], ['post', '/login'], ['get', '/register']] as const) {
      const res = await t.agent()[method](path).set(api(secret)).send({ name: 'more', scope: 'read-write', days: '0' });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(await t.count('api_tokens')).toBe(1);
  });

  it('when a CSRF token or a session id is sent as the bearer, then it is refused as an unknown token', async () => {
    const csrf = await csrfFrom(owner, '/');
    const sid = /sid=([^;]+)/.exec(owner.jar.getCookies({ path: '/', domain: '127.0.0.1', secure: false, script: false }).toValueString())?.[1] ?? 'none';
    for (const bearer of [csrf, sid, decodeURIComponent(sid)]) {
      const res = await t.agent().get('/').set(api(bearer));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    }
  });

  it('when a token is revoked, then it answers 401 at once, here and on a second server on the same database', async () => {
    const { secret } = await makeToken(owner);
    const shared: Record<string, string> = t.config.databaseUrl ? { DATABASE_URL: t.config.databaseUrl } : { DATABASE_PATH: t.config.databasePath };
    const other = await createTestApp({ env: shared, storage: t.storage });
    try {
      expect((await other.agent().get('/').set(api(secret))).status).toBe(200);
      const page = await owner.get('/account');
      const id = /action="\/account\/tokens\/(\d+)\/revoke"/.exec(page.text)![1];
      const _csrf = await csrfFrom(owner, '/account');
      const revoked = await owner.post(`/account/tokens/${id}/revoke`).type('form').send({ _csrf });
      expect(revoked.status).toBe(303);
      expect((await owner.get('/account')).text).toContain('Revoked &#34;backup script&#34;: it no longer works, on any server.');
      expect((await t.agent().get('/').set(api(secret))).status).toBe(401);
      expect((await other.agent().get('/').set(api(secret))).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it("when someone revokes another user's token by its number, then it is not found and the token still works", async () => {
    const { secret } = await makeToken(owner);
    const id = /action="\/account\/tokens\/(\d+)\/revoke"/.exec((await owner.get('/account')).text)![1];
    const other = await signedInAgent(t, 'meddler');
    const _csrf = await csrfFrom(other, '/account');
    expect((await other.post(`/account/tokens/${id}/revoke`).type('form').send({ _csrf })).status).toBe(404);
    expect((await other.post('/account/tokens/abc/revoke').type('form').send({ _csrf })).status).toBe(404);
    expect((await t.agent().get('/').set(api(secret))).status).toBe(200);
  });

  it('when a token has expired, then it answers 401, and the list says so', async () => {
    const { secret } = await makeToken(owner, { days: '7' });
    expect((await t.agent().get('/').set(api(secret))).status).toBe(200);
    t.clock.advance(7 * 24 * 60 * 60 * 1000);
    expect((await t.agent().get('/').set(api(secret))).status).toBe(401);
    const again = t.agent(); // the session ended meanwhile too
    expect((await login(again, 'scripter')).status).toBe(303);
    expect((await again.get('/account')).text).toContain('<td data-label="Expires">expired</td>');
  });

  it(`when ${MAX_BAD_TOKENS} bad tokens come from one address, then the next request with a token is refused with 429, a good token too`, async () => {
    const { secret } = await makeToken(owner);
    for (let i = 0; i < MAX_BAD_TOKENS; i++) expect((await t.agent().get('/').set(api(`irt_${'x'.repeat(43)}`))).status).toBe(401);
    const blocked = await t.agent().get('/').set(api(secret));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // The people's login is not held up by it.
    expect((await login(t.agent(), 'scripter')).status).toBe(303);
  });
});
