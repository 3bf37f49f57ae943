// Regressions for what the black-box audit found to hold about CSRF and sessions, in the cases the tests in
// sessions-and-headers.test.ts do not reach: visitors who are not signed in, a token carried from one session
// to another, and a stolen cookie replayed with the token its pages carried. Everything is checked as the
// attacker (or the victim) sees it over HTTP, so it keeps holding whichever cookie comes to carry the token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestApp, csrfFrom, login, register, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { solidPng } from '../helpers/fixtures.js';
import { SESSION_LIFETIME_MS } from '../../src/web/session.js';

const PASSWORD = 'correct horse';
const FORGED = 'forged-' + 'x'.repeat(40);

let t: TestApp;
let png: Buffer;
beforeAll(async () => {
  t = await createTestApp();
  png = await solidPng('#16a085', 24, 24);
});
afterAll(() => t.close());

const json = (test: request.Test) => test.set('Accept', 'application/json');
let names = 0;
const freshName = (prefix: string) => `${prefix}-${++names}`;

/** Every cookie the agent's browser holds for the app, as the Cookie header it would send (what a thief takes). */
const cookieHeaderOf = (agent: request.Agent) =>
  agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();
/** The cookies a response sets, as a Cookie header a browser would send back. */
const cookiesSetBy = (res: request.Response) =>
  ([] as string[]).concat((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).map((c) => c.split(';')[0]).join('; ');

/** What a browser holding `cookie` sees: the gallery (true), or a way to the login page (false). */
async function signedInWith(cookie: string, app = t.app): Promise<boolean> {
  const res = await request(app).get('/').set('Cookie', cookie);
  if (res.status === 200) return true;
  expect(res.status).toBe(303);
  expect(res.headers.location).toMatch(/^\/login/);
  return false;
}

async function uploadedImage(agent: request.Agent, visibility: 'public' | 'private') {
  const res = await upload(agent, [{ name: `${visibility}.png`, data: png }], visibility);
  expect(res.status).toBe(200);
  return res.body.results[0].image.id as string;
}

/** The image as its owner sees it, or undefined once it is gone. */
async function asOwnerSees(owner: request.Agent, id: string) {
  const res = await json(owner.get(`/images/${id}`));
  if (res.status === 404) return undefined;
  expect(res.status).toBe(200);
  return { visibility: res.body.image.visibility as string, file: (await owner.get(`/images/${id}/file`)).status };
}

describe('CSRF for a visitor who is not signed in', () => {
  const TARGET = 'anon-target';
  beforeAll(async () => void expect((await register(t.agent(), TARGET, PASSWORD)).status).toBe(303));

  /** After a forged post: the cookies the victim's browser holds. */
  type Forged = { res: request.Response; cookie: string };
  /**
   * What a cross-site page can make a browser send: the cookies the browser already has for the app (none on a
   * first visit), and whatever token the attacker can get: none, an empty or made-up one, or the one the app gave
   * the attacker himself on his own visit.
   */
  const FORGERIES: [string, (path: string, fields: Record<string, string>) => Promise<Forged>][] = [
    ['no token', (path, fields) => fromVisitor(path, (v) => v.post(path).type('form').send(fields))],
    ['an empty token', (path, fields) => fromVisitor(path, (v) => v.post(path).type('form').send({ ...fields, _csrf: '' }))],
    ['a made-up token', (path, fields) => fromVisitor(path, (v) => v.post(path).type('form').send({ ...fields, _csrf: FORGED }))],
    ["the attacker's own token in the form", async (path, fields) => {
      const token = await csrfFrom(t.agent(), path);
      return fromVisitor(path, (v) => v.post(path).type('form').send({ ...fields, _csrf: token }));
    }],
    ["the attacker's own token in the X-CSRF-Token header", async (path, fields) => {
      const token = await csrfFrom(t.agent(), path);
      return fromVisitor(path, (v) => v.post(path).set('X-CSRF-Token', token).type('form').send(fields));
    }],
    ["the attacker's own token, on the victim's first visit (no cookie at all)", async (path, fields) => {
      const token = await csrfFrom(t.agent(), path);
      const res = await request(t.app).post(path).type('form').send({ ...fields, _csrf: token });
      // Whatever this answer sets is all the victim's browser holds.
      return { res, cookie: cookiesSetBy(res) };
    }],
  ];

  /** A visitor who has opened the form's page (so holds the app's cookies) and is then made to post. */
  async function fromVisitor(path: string, post: (visitor: request.Agent) => request.Test): Promise<Forged> {
    const visitor = t.agent();
    expect((await visitor.get(path)).status).toBe(200);
    const res = await post(visitor);
    return { res, cookie: cookieHeaderOf(visitor) };
  }

  it.each(FORGERIES)('when a forged login arrives with %s, then 403 and the visitor is not signed in', async (_what, forge) => {
    const { res, cookie } = await forge('/login', { username: TARGET, password: PASSWORD });
    expect(res.status).toBe(403);
    expect(await signedInWith(cookie)).toBe(false);
  });

  it.each(FORGERIES)('when a forged registration arrives with %s, then 403, nobody is signed in and the name stays free', async (_what, forge) => {
    const username = freshName('forged-reg');
    const { res, cookie } = await forge('/register', { username, password: PASSWORD, confirm: PASSWORD });
    expect(res.status).toBe(403);
    expect(await signedInWith(cookie)).toBe(false);
    // No account was made: its password does not log in, and the name can still be registered.
    expect((await login(t.agent(), username, PASSWORD)).status).toBe(401);
    expect((await register(t.agent(), username, PASSWORD)).status).toBe(303);
  });

  it("when the visitor posts the same forms with their own page's token, then they get through (so the 403s were the CSRF check)", async () => {
    const visitor = t.agent();
    const loginToken = await csrfFrom(visitor, '/login');
    expect((await visitor.post('/login').type('form').send({ _csrf: loginToken, username: TARGET, password: PASSWORD })).status).toBe(303);
    expect(await signedInWith(cookieHeaderOf(visitor))).toBe(true);

    const newcomer = t.agent();
    const registerToken = await csrfFrom(newcomer, '/register');
    const username = freshName('real-reg');
    expect((await newcomer.post('/register').type('form').send({ _csrf: registerToken, username, password: PASSWORD, confirm: PASSWORD })).status).toBe(303);
    expect(await signedInWith(cookieHeaderOf(newcomer))).toBe(true);
  });
});

describe('a CSRF token belongs to one session', () => {
  it('when the same user is signed in twice, then the token of one session is refused in the other and nothing changes', async () => {
    const first = await signedInAgent(t, 'two-sessions');
    const second = t.agent();
    expect((await login(second, 'two-sessions', PASSWORD)).status).toBe(303);
    const id = await uploadedImage(first, 'public');
    const firstToken = await csrfFrom(first, '/');
    const total = async () => (await json(second.get('/'))).body.total as number;
    const before = await total();

    const attempts: [string, () => request.Test][] = [
      ['visibility', () => second.post(`/images/${id}/visibility`).type('form').send({ _csrf: firstToken, visibility: 'private' })],
      ['delete', () => second.post(`/images/${id}/delete`).type('form').send({ _csrf: firstToken })],
      ['upload', () => json(second.post('/images')).set('X-CSRF-Token', firstToken).field('visibility', 'public').attach('images', png, 'other-session.png')],
      ['logout', () => second.post('/logout').type('form').send({ _csrf: firstToken })],
    ];
    for (const [what, attempt] of attempts) expect((await attempt()).status, what).toBe(403);

    expect(await asOwnerSees(second, id)).toEqual({ visibility: 'public', file: 200 });
    expect(await total()).toBe(before);
    // The refused logout left the second session signed in, and its own token works.
    const own = await csrfFrom(second, '/');
    expect((await second.post(`/images/${id}/visibility`).type('form').send({ _csrf: own, visibility: 'private' })).status).toBe(303);
    expect((await asOwnerSees(first, id))?.visibility).toBe('private');
  });

  it('when a visitor logs in, then the token their login page carried no longer works once they are signed in', async () => {
    expect((await register(t.agent(), 'token-before-login', PASSWORD)).status).toBe(303);
    const agent = t.agent();
    const beforeLogin = await csrfFrom(agent, '/login');
    expect((await agent.post('/login').type('form').send({ _csrf: beforeLogin, username: 'token-before-login', password: PASSWORD })).status).toBe(303);
    const id = await uploadedImage(agent, 'public');

    // Whoever saw (or planted) the anonymous page's token cannot use it on the signed-in session.
    expect((await agent.post(`/images/${id}/visibility`).type('form').send({ _csrf: beforeLogin, visibility: 'private' })).status).toBe(403);
    expect((await agent.post(`/images/${id}/delete`).type('form').send({ _csrf: beforeLogin })).status).toBe(403);
    expect((await json(agent.post(`/images/${id}/delete`)).set('X-CSRF-Token', beforeLogin)).status).toBe(403);
    expect(await asOwnerSees(agent, id)).toEqual({ visibility: 'public', file: 200 });
  });
});

describe('a stolen session cookie replayed with the token its pages carried', () => {
  /** Its own app: the expiry case moves the clock, which ends every session of the app. */
  let r: TestApp;
  beforeAll(async () => (r = await createTestApp()));
  afterAll(() => r.close());

  type Stolen = { cookie: string; token: string };
  /** Each makes the victim's account and returns what the attacker holds once that session should be worth nothing. */
  const WAYS: [string, (username: string) => Promise<Stolen>][] = [
    ['planted before the victim logged in', async (username) => {
      expect((await register(r.agent(), username, PASSWORD)).status).toBe(303);
      // Fixation: the attacker plants the cookies of his own live session in the victim's browser (an unknown
      // session id would simply be replaced), and the victim logs in there, with the token its page shows.
      const browser = r.agent();
      expect((await register(browser, freshName('planter'), PASSWORD)).status).toBe(303);
      const planted = { cookie: cookieHeaderOf(browser), token: await csrfFrom(browser, '/') };
      expect((await browser.post('/login').type('form').send({ _csrf: planted.token, username, password: PASSWORD })).status).toBe(303);
      return planted;
    }],
    ['from a session that was then logged out', async (username) => {
      const victim = r.agent();
      expect((await register(victim, username, PASSWORD)).status).toBe(303);
      const stolen = { cookie: cookieHeaderOf(victim), token: await csrfFrom(victim, '/') };
      expect((await victim.post('/logout').type('form').send({ _csrf: stolen.token })).status).toBe(303);
      return stolen;
    }],
    ['from a session past its 30 minutes', async (username) => {
      const victim = r.agent();
      expect((await register(victim, username, PASSWORD)).status).toBe(303);
      const stolen = { cookie: cookieHeaderOf(victim), token: await csrfFrom(victim, '/') };
      r.clock.advance(SESSION_LIFETIME_MS);
      return stolen;
    }],
  ];

  it.each(WAYS)('when the cookie was %s, then it can neither read nor change anything', async (_how, steal) => {
    const username = freshName('replay-victim');
    const stolen = await steal(username);
    expect(stolen.cookie).not.toBe('');
    const owner = r.agent();
    expect((await login(owner, username, PASSWORD)).status).toBe(303);
    const images = { public: await uploadedImage(owner, 'public'), private: await uploadedImage(owner, 'private') };
    const total = async () => (await json(owner.get('/'))).body.total as number;
    const before = await total();

    const replay = (test: request.Test) => test.set('Cookie', stolen.cookie);
    expect(await signedInWith(stolen.cookie, r.app)).toBe(false);
    for (const path of [`/images/${images.private}`, `/images/${images.private}/file`, `/images/${images.private}/download`]) {
      expect((await replay(request(r.app).get(path))).status, path).not.toBe(200);
    }
    const changes: [string, () => request.Test][] = [
      ['visibility', () => replay(request(r.app).post(`/images/${images.public}/visibility`)).type('form').send({ _csrf: stolen.token, visibility: 'private' })],
      ['delete', () => replay(request(r.app).post(`/images/${images.private}/delete`)).type('form').send({ _csrf: stolen.token })],
      ['delete from a script', () => json(replay(request(r.app).post(`/images/${images.public}/delete`))).set('X-CSRF-Token', stolen.token)],
      ['upload', () => json(replay(request(r.app).post('/images'))).set('X-CSRF-Token', stolen.token).field('visibility', 'public').attach('images', png, 'replayed.png')],
    ];
    for (const [what, change] of changes) {
      const res = await change();
      expect([303, 401, 403], `${what} answered ${res.status}`).toContain(res.status);
      if (res.status === 303) expect(res.headers.location, what).toMatch(/^\/login/);
    }

    expect(await asOwnerSees(owner, images.public)).toEqual({ visibility: 'public', file: 200 });
    expect(await asOwnerSees(owner, images.private)).toEqual({ visibility: 'private', file: 200 });
    expect(await total()).toBe(before);
  });
});
