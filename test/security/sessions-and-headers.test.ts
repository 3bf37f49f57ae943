// Sessions and secrets in one place (issue 6 §5): fixation, absolute expiry, logout, cookie flags,
// CSRF on every POST route the router declares, security headers, and logs that hold no secrets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestApp, csrfFrom, login, register, signedInAgent, type TestApp } from '../helpers/app.js';
import { csrfTokenIn, solidPng } from '../helpers/fixtures.js';
import { SESSION_LIFETIME_MS } from '../../src/web/session.js';
import { multipart, multipartType } from './multipart.js';
import { routesOf } from './routes-of.js';

const PASSWORD = 'correct horse';
const json = (test: request.Test) => test.set('Accept', 'application/json');

const setCookies = (res: request.Response): string[] => ([] as string[]).concat((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []);
const sidCookie = (res: request.Response) => setCookies(res).find((c) => c.startsWith('sid='));
const csrfCookie = (res: request.Response) => setCookies(res).find((c) => /^(__Host-)?csrf=/.test(c));
/** `sid=s%3A<id>.<signature>` -> the bare cookie pair, for replaying it from another client. */
const cookiePair = (cookie: string) => cookie.split(';')[0];
/** The session id inside a signed cookie value, as stored in the sessions table. */
const sessionIdOf = (cookie: string) => /^sid=s%3A([^.]+)\./.exec(cookie)![1];

let t: TestApp;
beforeAll(async () => (t = await createTestApp({ env: { LOG_LEVEL: 'trace' } })));
afterAll(() => t.close());

/** How many rows the sessions table holds for this id: 1 while the server knows the session, 0 once it forgot it. */
const sessionRows = async (sid: string) => (await t.rows<{ n: number }>`SELECT count(*) AS n FROM sessions WHERE sid = ${sid}`)[0].n;

describe('session fixation', () => {
  it('when a validly signed session id is planted before login, then login gives a fresh one and the planted id stays worth nothing', async () => {
    await register(t.agent(), 'fixated', PASSWORD);
    // The attacker's own session, logged out: its cookie is signed by the server but its row is gone.
    const attacker = t.agent();
    const planted = sidCookie(await register(attacker, 'planter', PASSWORD))!;
    const _csrf = await csrfFrom(attacker, '/');
    expect((await attacker.post('/logout').type('form').send({ _csrf })).status).toBe(303);
    const page = await request(t.app).get('/login').set('Cookie', cookiePair(planted));
    const cookies = [cookiePair(planted), cookiePair(csrfCookie(page)!)].join('; ');
    const res = await request(t.app).post('/login').set('Cookie', cookies).type('form')
      .send({ _csrf: csrfTokenIn(page.text), username: 'fixated', password: PASSWORD });
    expect(res.status).toBe(303);
    const fresh = sidCookie(res)!;
    expect(sessionIdOf(fresh)).not.toBe(sessionIdOf(planted));
    expect(await sessionRows(sessionIdOf(planted))).toBe(0);
    // Whoever holds the planted id is anonymous; the victim is signed in.
    const replay = await request(t.app).get('/').set('Cookie', cookiePair(planted));
    expect(replay.status).toBe(303);
    expect(replay.headers.location).toMatch(/^\/login/);
    expect((await request(t.app).get('/').set('Cookie', cookiePair(fresh))).status).toBe(200);
  });

  it('when someone registers, then they get a session cookie they did not have before', async () => {
    const agent = t.agent();
    expect(sidCookie(await agent.get('/register'))).toBeUndefined();
    const after = sidCookie(await register(agent, 'fresh-id', PASSWORD))!;
    expect(await sessionRows(sessionIdOf(after))).toBe(1);
  });
});

describe('absolute expiry after 30 minutes', () => {
  it('when the user is busy all along, then the session still ends 30 minutes after login, with a message', async () => {
    const agent = t.agent();
    const sid = sessionIdOf(sidCookie(await register(agent, 'busy', PASSWORD))!);
    for (let minute = 0; minute < 30; minute += 5) {
      expect((await agent.get('/')).status, `minute ${minute}`).toBe(200);
      t.clock.advance(5 * 60 * 1000 - (minute === 25 ? 1 : 0));
    }
    // 29:59.999 after login: still in.
    expect((await agent.get('/')).status).toBe(200);
    t.clock.advance(1);
    const res = await agent.get('/upload');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fupload&expired=1');
    expect((await agent.get(res.headers.location)).text).toContain('Your session expired');
    expect(await sessionRows(sid)).toBe(0);
  });

  it('when a script calls after expiry, then 401 says the session expired', async () => {
    const agent = await signedInAgent(t, 'script');
    t.clock.advance(SESSION_LIFETIME_MS);
    const res = await json(agent.get('/'));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('Your session expired. Log in again.');
  });

  it('when the cookie is set, then the browser drops it when the session ends', async () => {
    const res = await register(t.agent(), 'cookie-age', PASSWORD);
    const expires = Date.parse(/; Expires=([^;]+)/.exec(sidCookie(res)!)![1]);
    // express-session dates the cookie with the real clock, not the test's.
    expect(Math.abs(expires - (Date.now() + SESSION_LIFETIME_MS))).toBeLessThan(5000);
  });
});

describe('logout', () => {
  it('when the user logs out, then the server forgets the session and the old cookie no longer works', async () => {
    const agent = t.agent();
    const cookie = sidCookie(await register(agent, 'leaving', PASSWORD))!;
    const sid = sessionIdOf(cookie);
    expect(await sessionRows(sid)).toBe(1);
    const _csrf = await csrfFrom(agent, '/');
    const res = await agent.post('/logout').type('form').send({ _csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?loggedOut=1');
    expect(sidCookie(res)).toMatch(/^sid=;.*Expires=Thu, 01 Jan 1970/);
    expect(await sessionRows(sid)).toBe(0);
    const replay = await request(t.app).get('/').set('Cookie', cookiePair(cookie));
    expect(replay.status).toBe(303);
    expect(replay.headers.location).toMatch(/^\/login/);
  });
});

describe('cookie flags', () => {
  it('when not in production, then the session cookie is HttpOnly, SameSite=Lax, Path=/ and not Secure (plain http on a laptop)', async () => {
    const cookie = sidCookie(await register(t.agent(), 'flags', PASSWORD))!;
    const attributes = cookie.split(/;\s*/).slice(1).map((a) => a.split('=')[0].toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite', 'path', 'expires']));
    expect(cookie).toMatch(/; SameSite=Lax(;|$)/);
    expect(cookie).toMatch(/; Path=\/(;|$)/);
    expect(attributes).not.toContain('secure');
    expect(attributes).not.toContain('domain');
  });

  describe('in production behind a proxy', () => {
    let prod: TestApp;
    beforeAll(async () => {
      prod = await createTestApp({ env: { NODE_ENV: 'production', SESSION_SECRET: 'a-production-secret-of-at-least-32-chars', TRUST_PROXY: '1' } });
    });
    afterAll(() => prod.close());

    /** A browser behind the TLS-terminating proxy; cookies by hand, since superagent keeps Secure ones off plain http. */
    async function registerThrough(proto: 'https' | 'http', username: string) {
      const page = await request(prod.app).get('/register').set('X-Forwarded-Proto', proto);
      const _csrf = csrfTokenIn(page.text);
      // A browser keeps a Secure cookie only when it came over https.
      const cookie = csrfCookie(page);
      const res = await request(prod.app).post('/register').set('X-Forwarded-Proto', proto)
        .set('Cookie', cookie && proto === 'https' ? cookiePair(cookie) : '')
        .type('form').send({ _csrf, username, password: PASSWORD, confirm: PASSWORD });
      return { page, res };
    }

    it('when the request came over https, then the session and CSRF cookies are Secure, HttpOnly and SameSite=Lax', async () => {
      const { page, res } = await registerThrough('https', 'secure-user');
      expect(csrfCookie(page)).toMatch(/^__Host-csrf=/);
      for (const cookie of [csrfCookie(page)!, sidCookie(res)!]) {
        expect(cookie).toMatch(/; Secure(;|$)/);
        expect(cookie).toMatch(/; HttpOnly(;|$)/);
        expect(cookie).toMatch(/; SameSite=Lax(;|$)/);
      }
      expect(res.status).toBe(303);
      expect(await prod.rows`SELECT username FROM users WHERE username = ${'secure-user'}`).toHaveLength(1);
    });

    it('when the request came over plain http, then no session cookie is sent and the form cannot be posted', async () => {
      const { page, res } = await registerThrough('http', 'plain-user');
      expect(sidCookie(page)).toBeUndefined();
      expect(csrfCookie(page)).toMatch(/; Secure(;|$)/);
      // Without its cookie the form's token cannot be checked, so nothing is written.
      expect(res.status).toBe(403);
      expect(await prod.count('users')).toBe(1);
    });

    it('when the proxy says https, then HSTS is on', async () => {
      const res = await request(prod.app).get('/login').set('X-Forwarded-Proto', 'https');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
    });
  });
});

describe('CSRF on every POST route', () => {
  let owner: request.Agent;
  let ownerToken: string;
  let otherToken: string;
  let imageId: string;
  let png: Buffer;
  beforeAll(async () => {
    png = await solidPng('#8e44ad', 20, 20);
    owner = await signedInAgent(t, 'csrf-owner');
    ownerToken = await csrfFrom(owner, '/upload');
    otherToken = await csrfFrom(await signedInAgent(t, 'csrf-other'), '/upload');
    const res = await json(owner.post('/images')).set('X-CSRF-Token', ownerToken).field('visibility', 'public').attach('images', png, 'target.png');
    imageId = res.body.results[0].image.id;
  });

  /** A body that would do the route's work if the token were good; routes added later get an empty one. */
  const BODIES: Record<string, () => Record<string, string>> = {
    '/login': () => ({ username: 'csrf-owner', password: PASSWORD }),
    '/register': () => ({ username: `csrf-new-${Math.random().toString(36).slice(2, 8)}`, password: PASSWORD, confirm: PASSWORD }),
    '/logout': () => ({}),
    '/images': () => ({ visibility: 'public' }),
    '/images/:id/visibility': () => ({ visibility: 'private' }),
    '/images/:id/delete': () => ({}),
  };

  type Encoding = 'urlencoded form' | 'JSON' | 'multipart form' | 'text/plain';
  const ENCODINGS: Encoding[] = ['urlencoded form', 'JSON', 'multipart form', 'text/plain'];
  const TOKENS: [string, () => string | undefined][] = [
    ['no token', () => undefined],
    ['a forged token', () => 'forged-' + 'x'.repeat(40)],
    ["another user's token", () => otherToken],
  ];

  function send(path: string, fields: Record<string, string>, encoding: Encoding, token: string | undefined) {
    const req = owner.post(path);
    const withToken = token === undefined ? fields : { ...fields, _csrf: token };
    switch (encoding) {
      case 'urlencoded form':
        return req.type('form').send(withToken);
      case 'JSON':
        return req.set('Content-Type', 'application/json').send(JSON.stringify(withToken));
      case 'text/plain':
        return req.set('Content-Type', 'text/plain').send(Object.entries(withToken).map(([k, v]) => `${k}=${v}`).join('\n'));
      case 'multipart form': {
        const parts = Object.entries(withToken).map(([name, value]) => ({ name, value }));
        return req.set('Content-Type', multipartType()).send(multipart([...parts, { name: 'images', filename: 'forged.png', data: png, type: 'image/png' }]));
      }
    }
  }

  const state = async () => ({
    users: await t.rows`SELECT id, username, password_hash FROM users ORDER BY id`,
    sessions: await t.rows`SELECT sid FROM sessions ORDER BY sid`,
    images: await t.rows`SELECT id, visibility, owner_id FROM images ORDER BY seq`,
    terms: (await t.rows`SELECT count(*) AS n, sum(public) AS p FROM image_terms`)[0],
    files: await t.storedFiles(),
  });

  it('when the router is read, then every POST route is in this test (and only POST changes state)', () => {
    const routes = routesOf(t.app);
    const posts = routes.filter((r) => r.startsWith('POST ')).map((r) => r.slice(5));
    expect(posts.length).toBeGreaterThanOrEqual(6);
    console.log(`CSRF: ${posts.length} POST routes x ${ENCODINGS.length} encodings x ${TOKENS.length} bad tokens`);
    // Anything else that could change state (PUT, PATCH, DELETE) would need its own row here.
    expect(routes.filter((r) => !/^(GET|POST) /.test(r))).toEqual([]);
  });

  const postRoutes = () => routesOf(t.app).filter((r) => r.startsWith('POST ')).map((r) => r.slice(5));

  it.each(ENCODINGS)('when a POST arrives as %s without a valid token, then every route answers 403 and nothing changes', async (encoding) => {
    for (const route of postRoutes()) {
      const path = route.replace(':id', imageId);
      for (const [what, token] of TOKENS) {
        const before = await state();
        const res = await send(path, (BODIES[route] ?? (() => ({})))(), encoding, token());
        expect(res.status, `POST ${route} as ${encoding} with ${what}`).toBe(403);
        expect(await state(), `POST ${route} as ${encoding} with ${what} changed something`).toEqual(before);
        expect(t.incomingFiles()).toEqual([]);
      }
    }
    expect((await owner.get('/')).status).toBe(200);
  });

  it('when the token is good, then the same requests get past the check (so the 403s above were the CSRF check)', async () => {
    for (const route of postRoutes().filter((r) => r !== '/logout' && r !== '/images/:id/delete')) {
      // Logging in or registering starts a new session with a new token, so take a fresh one each time.
      const token = await csrfFrom(owner, '/upload');
      const res = await send(route.replace(':id', imageId), (BODIES[route] ?? (() => ({})))(), route === '/images' ? 'multipart form' : 'urlencoded form', token);
      expect(res.status, `POST ${route}`).not.toBe(403);
    }
  });
});

describe('security headers', () => {
  let agent: request.Agent;
  let imageId: string;
  beforeAll(async () => {
    agent = await signedInAgent(t, 'headers');
    const token = await csrfFrom(agent, '/upload');
    const res = await json(agent.post('/images')).set('X-CSRF-Token', token).field('visibility', 'public').attach('images', await solidPng('#f1c40f', 20, 20), 'h.png');
    imageId = res.body.results[0].image.id;
  });

  const directives = (csp: string) =>
    new Map(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => { const [name, ...values] = d.split(/\s+/); return [name, values] as const; }));

  it.each([
    ['the login page', '/login', false],
    ['the gallery', '/', true],
    ['a search', '/search?q=yellow', true],
    ['an image page', '/images/:id', true],
    ['an original', '/images/:id/file', true],
    ['a download', '/images/:id/download', true],
    ['a 404 page', '/no-such-page', true],
    ['a static script', '/assets/app.js', false],
  ])('when %s is served, then CSP, nosniff, frame-ancestors and referrer-policy are set', async (_what, url, signedIn) => {
    const res = await (signedIn ? agent : request(t.app)).get(url.replace(':id', imageId));
    expect(res.status).toBeLessThan(500);
    const csp = directives(res.headers['content-security-policy'] ?? '');
    const scripts = csp.get('script-src') ?? csp.get('default-src');
    expect(scripts).toBeDefined();
    expect(scripts).not.toContain("'unsafe-inline'");
    expect(scripts).not.toContain("'unsafe-eval'");
    expect(scripts!.every((s) => s === "'self'" || /^'(nonce|sha256)-/.test(s))).toBe(true);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin']).toContain(res.headers['referrer-policy']);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('when a page links its styles, script and icons, then each is served from /assets without a session, cached for an hour', async () => {
    const page = await request(t.app).get('/login');
    const assets = [...page.text.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(expect.arrayContaining(['/assets/app.css', '/assets/app.js']));
    for (const url of assets) {
      const res = await request(t.app).get(url);
      expect(res.status, url).toBe(200);
      expect(res.headers['cache-control'], url).toBe('public, max-age=3600');
      expect(res.headers['set-cookie'], url).toBeUndefined();
    }
  });

  it('when pages are rendered, then they carry no inline script or inline event handler for the CSP to block', async () => {
    for (const url of ['/login', '/register', '/', '/upload', `/images/${imageId}`, '/search?q=yellow']) {
      const res = await (url.startsWith('/login') || url.startsWith('/register') ? request(t.app) : agent).get(url);
      expect(res.status, url).toBe(200);
      for (const [tag] of res.text.matchAll(/<script\b[^>]*>/g)) expect(tag, url).toMatch(/\bsrc="\/[^"]+"/);
      expect(res.text.match(/<script\b[^>]*>[^<]+<\/script>/), url).toBeNull();
      expect(res.text.match(/\son[a-z]+\s*=\s*["']/i), url).toBeNull();
    }
  });
});

describe('logs', () => {
  it('when people register, log in (also wrongly), upload, search and log out, then no password, session id or CSRF token is logged', async () => {
    const secrets = new Set<string>();
    const passwords = ['first-Secret-pw-1', 'second-Secret-pw-2', 'Wrong-guess-pw-3'];
    passwords.forEach((p) => secrets.add(p));
    const png = await solidPng('#e67e22', 16, 16);
    for (const [i, password] of passwords.slice(0, 2).entries()) {
      const agent = t.agent();
      const first = await agent.get('/register');
      secrets.add(csrfTokenIn(first.text)).add(cookiePair(csrfCookie(first)!).slice('csrf='.length));
      const registered = await register(agent, `logged-${i}`, password);
      const cookie = sidCookie(registered)!;
      secrets.add(cookie.split(';')[0].slice(4)).add(sessionIdOf(cookie)).add(decodeURIComponent(cookie.split(';')[0].slice(4)));
      const token = await csrfFrom(agent, '/upload');
      secrets.add(token);
      await json(agent.post('/images')).set('X-CSRF-Token', token).field('visibility', 'private').attach('images', png, `secret-name-${i}.png`);
      await agent.get('/search?q=orange');
      await agent.post('/images').field('_csrf', 'forged').attach('images', png, 'x.png');
      await agent.post('/logout').type('form').send({ _csrf: token });
      const again = t.agent();
      expect((await login(again, `logged-${i}`, passwords[2])).status).toBe(401);
      const back = await login(again, `logged-${i}`, password);
      const backCookie = sidCookie(back)!;
      secrets.add(sessionIdOf(backCookie)).add(backCookie.split(';')[0].slice(4));
    }
    for (const row of await t.rows<{ sid: string }>`SELECT sid FROM sessions`) secrets.add(row.sid);

    const logs = t.logLines.join('');
    expect(t.logLines.length).toBeGreaterThan(20);
    for (const secret of secrets) expect(logs.includes(secret), `a secret of ${secret.length} characters is in the log`).toBe(false);
    // Nor any field that would carry them (a header dump, a body dump).
    expect(logs).not.toMatch(/"(cookie|set-cookie|x-csrf-token|_csrf|password|confirm|authorization|headers|body)":/i);
  });
});
