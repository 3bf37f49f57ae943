import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type request from 'supertest';
import { createTestApp, csrfFrom, login, register, signedInAgent, type TestApp } from '../helpers/app.js';
import { csrfTokenIn } from '../helpers/fixtures.js';
import { ensureDemoUser } from '../../src/auth/demo-user.js';
import { createUsersRepo } from '../../src/auth/users.js';
import { createPasswords } from '../../src/auth/passwords.js';
import { MAX_FAILED_LOGINS_PER_ADDRESS, REGISTRATIONS_PER_ADDRESS } from '../../src/auth/login-limiter.js';
import { SESSION_LIFETIME_MS } from '../../src/web/session.js';

let t: TestApp;
beforeEach(async () => (t = await createTestApp()));
afterEach(() => t.close());

const userCount = () => t.count('users');
const sessionCookie = (res: { headers: Record<string, unknown> }) =>
  ([] as string[]).concat((res.headers['set-cookie'] as string[] | undefined) ?? []).find((c) => c.startsWith('sid='));

describe('registration', () => {
  it('when the form is valid, then the user exists, is signed in and lands on the gallery', async () => {
    const agent = t.agent();
    const res = await register(agent, 'Alice_1');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const gallery = await agent.get('/');
    expect(gallery.status).toBe(200);
    expect(gallery.text).toContain('Alice_1');
    expect(await t.rows`SELECT username FROM users`).toEqual([{ username: 'Alice_1' }]);
  });

  it('when the password is stored, then it is a bcrypt hash, not the password', async () => {
    await register(t.agent(), 'alice');
    const [{ password_hash }] = await t.rows<{ password_hash: string }>`SELECT password_hash FROM users`;
    expect(password_hash).toMatch(/^\$2[aby]\$\d\d\$/);
    expect(password_hash).not.toContain('correct horse');
  });

  it('when the username is taken in another case, then it is refused and nothing is written', async () => {
    await register(t.agent(), 'alice');
    const res = await register(t.agent(), 'ALICE');
    expect(res.status).toBe(422);
    expect(res.text).toContain('That username is taken.');
    expect(res.text).toContain('value="ALICE"');
    expect(await userCount()).toBe(1);
  });

  it.each([
    ['ab', 'Usernames are 3 to 32'],
    ['a'.repeat(33), 'Usernames are 3 to 32'],
    ['has space', 'Usernames are 3 to 32'],
    ['ctrl\u0007char', 'Usernames are 3 to 32'],
    ['', 'Usernames are 3 to 32'],
  ])('when the username is %j, then the form says why and nothing is written', async (username, message) => {
    const res = await register(t.agent(), username);
    expect(res.status).toBe(422);
    expect(res.text).toContain(message);
    expect(await userCount()).toBe(0);
  });

  it('when the password is short or the confirmation differs, then the form says so', async () => {
    const agent = t.agent();
    const _csrf = await csrfFrom(agent, '/register');
    const short = await agent.post('/register').type('form').send({ _csrf, username: 'bob', password: 'short', confirm: 'short' });
    expect(short.status).toBe(422);
    expect(short.text).toContain('at least 8 characters');
    const differ = await agent.post('/register').type('form').send({ _csrf, username: 'bob', password: 'long enough', confirm: 'different!' });
    expect(differ.status).toBe(422);
    expect(differ.text).toContain('do not match');
    expect(differ.text).toContain('value="bob"');
    expect(await userCount()).toBe(0);
  });

  it('when the password is over 72 bytes, then it is refused instead of silently truncated', async () => {
    const res = await register(t.agent(), 'bob', 'é'.repeat(40));
    expect(res.status).toBe(422);
    expect(res.text).toContain('at most 72 bytes');
  });
});

describe('login and logout', () => {
  beforeEach(async () => void (await register(t.agent(), 'carol')));

  it('when the password is right, then the user is signed in, in any case of the username', async () => {
    const agent = t.agent();
    const res = await login(agent, 'CAROL');
    expect(res.status).toBe(303);
    expect((await agent.get('/')).text).toContain('carol');
  });

  it('when the password is wrong, then the page says so and keeps the username', async () => {
    const res = await login(t.agent(), 'carol', 'wrong password');
    expect(res.status).toBe(401);
    expect(res.text).toContain('Wrong username or password.');
    expect(res.text).toContain('value="carol"');
  });

  it('when the user is unknown, then the answer is the same as for a wrong password', async () => {
    const res = await login(t.agent(), 'nobody', 'whatever1');
    expect(res.status).toBe(401);
    expect(res.text).toContain('Wrong username or password.');
  });

  it('when logging in, then a session cookie is set that the login page did not set', async () => {
    const agent = t.agent();
    expect(sessionCookie(await agent.get('/login'))).toBeUndefined();
    const _csrf = await csrfFrom(agent);
    const res = await agent.post('/login').type('form').send({ _csrf, username: 'carol', password: 'correct horse' });
    expect(sessionCookie(res)).toBeDefined();
  });

  it('when the session cookie is set, then it is HttpOnly and SameSite=Lax', async () => {
    const res = await login(t.agent(), 'carol');
    const cookie = sessionCookie(res)!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
  });

  it('when logging out, then the old cookie no longer works', async () => {
    const agent = t.agent();
    const res = await login(agent, 'carol');
    const oldCookie = sessionCookie(res)!.split(';')[0];
    const signedIn = async () => (await t.rows<{ n: number }>`SELECT count(*) AS n FROM sessions WHERE data LIKE '%userId%'`)[0].n;
    const before = await signedIn();
    const _csrf = await csrfFrom(agent, '/');
    const out = await agent.post('/logout').type('form').send({ _csrf });
    expect(out.status).toBe(303);
    const replay = await t.agent().get('/').set('Cookie', oldCookie);
    expect(replay.status).toBe(303);
    expect(replay.headers.location).toMatch(/^\/login/);
    expect(await signedIn()).toBe(before - 1);
  });
});

describe('signed-in pages and return paths', () => {
  it('when anonymous, then a page redirects to login and back to the page afterwards', async () => {
    await register(t.agent(), 'dave');
    const agent = t.agent();
    const res = await agent.get('/?page=2');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2F%3Fpage%3D2');
    const loginPage = await agent.get(res.headers.location);
    expect(loginPage.text).toContain('name="next" value="/?page=2"');
    const _csrf = csrfTokenIn(loginPage.text);
    const back = await agent.post('/login').type('form').send({ _csrf, username: 'dave', password: 'correct horse', next: '/?page=2' });
    expect(back.headers.location).toBe('/?page=2');
  });

  it.each(['//evil.example', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/\t/evil.example'])(
    'when the return path is %j, then login goes to the gallery instead',
    async (next) => {
      await register(t.agent(), 'erin');
      const agent = t.agent();
      const _csrf = await csrfFrom(agent);
      const res = await agent.post('/login').type('form').send({ _csrf, username: 'erin', password: 'correct horse', next });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/');
    },
  );

  it('when JSON is asked for anonymously, then the answer is 401 JSON', async () => {
    const res = await t.agent().get('/').set('Accept', 'application/json');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('Log in first.');
  });
});

describe('absolute session expiry', () => {
  it('when 30 minutes pass after login, then the next request goes to login with a message, however active the user was', async () => {
    const agent = await signedInAgent(t, 'frank');
    for (let minutes = 5; minutes <= 25; minutes += 5) {
      t.clock.advance(5 * 60 * 1000);
      expect((await agent.get('/')).status).toBe(200);
    }
    t.clock.advance(SESSION_LIFETIME_MS - 25 * 60 * 1000);
    const res = await agent.get('/');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2F&expired=1');
    expect((await agent.get(res.headers.location)).text).toContain('Your session expired');
  });

  it('when the session has just under 30 minutes, then it still works', async () => {
    const agent = await signedInAgent(t, 'gina');
    t.clock.advance(SESSION_LIFETIME_MS - 1000);
    expect((await agent.get('/')).status).toBe(200);
  });

  it('when a page tells how long its session has, then it counts from the login', async () => {
    const agent = await signedInAgent(t, 'hugo');
    t.clock.advance(10 * 60 * 1000);
    const page = await agent.get('/');
    expect(page.text).toContain('<meta name="session-ends-in" content="1200000">');
    expect(page.text).toContain('<meta name="session-user" content="hugo">');
    expect((await t.agent().get('/login')).text).not.toContain('session-ends-in');
  });
});

describe('signing in again in place (JSON)', () => {
  const json = { Accept: 'application/json' };

  it('when the session has ended, then the login form\'s token comes as JSON, and the login answers with a new session and its token', async () => {
    const agent = await signedInAgent(t, 'ines');
    const before = sessionCookie(await agent.get('/login').set(json));
    t.clock.advance(SESSION_LIFETIME_MS);
    expect((await agent.get('/').set(json)).status).toBe(401); // the request that finds it over ends it

    const form = await agent.get('/login').set(json);
    expect(form.status).toBe(200);
    expect(form.headers['cache-control']).toBe('no-store');
    const token = form.body.csrfToken as string;
    const res = await agent.post('/login').set(json).set('X-CSRF-Token', token).type('form').send({ username: 'ines', password: 'correct horse' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ username: 'ines', csrfToken: expect.any(String), sessionEndsInMs: SESSION_LIFETIME_MS });
    const cookie = sessionCookie(res);
    expect(cookie).toBeDefined();
    expect(cookie).not.toBe(before); // a new session id, so an old one is worth nothing

    // The new token is good for the new session, and the old form token is not.
    const page = await agent.get('/');
    expect(page.status).toBe(200);
    const logout = await agent.post('/logout').set('X-CSRF-Token', token).type('form').send({});
    expect(logout.status).toBe(403);
    expect((await agent.post('/logout').set('X-CSRF-Token', res.body.csrfToken).type('form').send({})).status).toBe(303);
  });

  it('when the JSON login has no token or a wrong password, then it is refused as the form would be', async () => {
    await signedInAgent(t, 'jon');
    const agent = t.agent();
    expect((await agent.post('/login').set(json).type('form').send({ username: 'jon', password: 'correct horse' })).status).toBe(403);
    const { csrfToken } = (await agent.get('/login').set(json)).body;
    const wrong = await agent.post('/login').set(json).set('X-CSRF-Token', csrfToken).type('form').send({ username: 'jon', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'Wrong username or password.' });
  });

});

describe('CSRF', () => {
  it('when a POST has no token or a forged one, then it gets 403 and nothing is written', async () => {
    const agent = t.agent();
    await agent.get('/register');
    const none = await agent.post('/register').type('form').send({ username: 'ivan', password: 'correct horse', confirm: 'correct horse' });
    expect(none.status).toBe(403);
    const forged = await agent.post('/register').type('form').send({ _csrf: 'forged', username: 'ivan', password: 'correct horse', confirm: 'correct horse' });
    expect(forged.status).toBe(403);
    expect(await userCount()).toBe(0);
  });

  it('when a script sends the token as X-CSRF-Token, then it is accepted', async () => {
    const agent = t.agent();
    const token = await csrfFrom(agent, '/register');
    const res = await agent.post('/register').set('X-CSRF-Token', token).type('form').send({ username: 'judy', password: 'correct horse', confirm: 'correct horse' });
    expect(res.status).toBe(303);
  });

  it('when another session\'s token is used, then it is refused', async () => {
    const stolen = await csrfFrom(t.agent(), '/register');
    const agent = t.agent();
    await agent.get('/register');
    const res = await agent.post('/register').type('form').send({ _csrf: stolen, username: 'kim', password: 'correct horse', confirm: 'correct horse' });
    expect(res.status).toBe(403);
    expect(await userCount()).toBe(0);
  });
});

describe('login rate limit', () => {
  /** A failed or successful login through the form, with headers a script or a proxy would add. */
  async function post(agent: request.Agent, username: string, password: string, headers: Record<string, string> = {}) {
    const _csrf = await csrfFrom(agent);
    return agent.post('/login').set(headers).type('form').send({ _csrf, username, password });
  }

  it('when 10 logins fail, then the 11th is refused even with the right password, and other users are unaffected', async () => {
    await register(t.agent(), 'leo');
    await register(t.agent(), 'mia');
    const agent = t.agent();
    for (let i = 0; i < 10; i++) expect((await login(agent, 'leo', 'wrong password')).status).toBe(401);
    const blocked = await login(agent, 'leo');
    expect(blocked.status).toBe(429);
    expect(blocked.text).toContain('Too many failed logins');
    expect((await login(t.agent(), 'mia')).status).toBe(303);
  });

  it('when 10 logins fail spread over two servers on one database, then the 11th is refused on either', async () => {
    // A second app on the same database, as a second server behind a load balancer would be.
    const shared: Record<string, string> = t.config.databaseUrl ? { DATABASE_URL: t.config.databaseUrl } : { DATABASE_PATH: t.config.databasePath };
    const other = await createTestApp({ env: shared });
    try {
      await register(t.agent(), 'lou');
      const [a, b] = [t.agent(), other.agent()];
      for (let i = 0; i < 10; i++) expect((await login(i % 2 ? b : a, 'lou', 'wrong password')).status).toBe(401);
      expect((await login(a, 'lou')).status).toBe(429);
      expect((await login(b, 'lou')).status).toBe(429);
    } finally {
      await other.close();
    }
  });

  it('when the username holds control characters (a NUL among them), then the answer is the usual 401, on every backend', async () => {
    for (const username of ['a\u0000b', '\u0000', 'leo\u0007']) {
      const res = await login(t.agent(), username, 'wrong password');
      expect(res.status, JSON.stringify(username)).toBe(401);
    }
  });

  it('when logins succeed, then they are not counted', async () => {
    await register(t.agent(), 'ned');
    for (let i = 0; i < 12; i++) expect((await login(t.agent(), 'ned')).status).toBe(303);
  });

  it('when 16 connections from one address post failed logins for ever new names, then the flood ends in 429s', async () => {
    const agent = t.agent();
    const _csrf = await csrfFrom(agent);
    const statuses: number[] = [];
    let sent = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (sent < MAX_FAILED_LOGINS_PER_ADDRESS + 60) {
        const at = sent++;
        const res = await agent.post('/login').type('form').send({ _csrf, username: `guess-${randomUUID().slice(0, 8)}`, password: 'wrong password' });
        // In the order sent: a refused login answers at once, while a counted one waits for bcrypt, so answers
        // arrive out of order.
        statuses[at] = res.status;
      }
    }));
    const count = (status: number) => statuses.filter((s) => s === status).length;
    expect(count(401)).toBe(MAX_FAILED_LOGINS_PER_ADDRESS);
    expect(count(429)).toBe(statuses.length - MAX_FAILED_LOGINS_PER_ADDRESS);
    expect(statuses.at(-1)).toBe(429);
  });

  it('when several people behind one address each mistype a few times, then each can still log in', async () => {
    const people = ['nat-1', 'nat-2', 'nat-3', 'nat-4', 'nat-5', 'nat-6'];
    for (const name of people) await register(t.agent(), name);
    for (const name of people) {
      for (let i = 0; i < 9; i++) expect((await login(t.agent(), name, 'wrong password')).status).toBe(401);
    }
    for (const name of people) expect((await login(t.agent(), name)).status).toBe(303);
  });

  it('when characters are appended to a 32-character username, then those logins count against that user', async () => {
    const name = 'thirty_two_characters_long_name1';
    expect(name).toHaveLength(32);
    await register(t.agent(), name);
    const agent = t.agent();
    for (let i = 0; i < 10; i++) expect((await login(agent, `${name}${'x'.repeat(i)}`, 'wrong password')).status).toBe(401);
    const appended = await login(agent, `${name.toUpperCase()}-more`);
    expect(appended.status).toBe(429);
    expect(appended.headers.location).toBeUndefined();
  });

  it('when trust proxy is off (the default) and X-Forwarded-For changes every time, then the failures still add up to a 429', async () => {
    await register(t.agent(), 'otto');
    const agent = t.agent();
    for (let i = 0; i < 10; i++) {
      expect((await post(agent, 'otto', 'wrong password', { 'X-Forwarded-For': `203.0.113.${i + 1}` })).status).toBe(401);
    }
    expect((await post(agent, 'otto', 'correct horse', { 'X-Forwarded-For': '198.51.100.7' })).status).toBe(429);
  });

  it('when a script asking for JSON is refused, then the 429 is JSON with a Retry-After; a browser gets the page with one', async () => {
    await register(t.agent(), 'pia');
    const agent = t.agent();
    for (let i = 0; i < 10; i++) await login(agent, 'pia', 'wrong password');
    const json = await post(agent, 'pia', 'correct horse', { Accept: 'application/json' });
    expect(json.status).toBe(429);
    expect(json.type).toBe('application/json');
    expect(json.body.error).toMatch(/^Too many failed logins\. Wait \d+ minutes? and try again\.$/);
    const html = await post(agent, 'pia', 'correct horse');
    expect(html.status).toBe(429);
    expect(html.type).toBe('text/html');
    expect(html.text).toContain('Too many failed logins');
    for (const res of [json, html]) {
      const seconds = Number(res.headers['retry-after']);
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThanOrEqual(15 * 60);
    }
  });
});

describe('passwords over 72 bytes at login', () => {
  const password72 = 'p'.repeat(72);
  const longer = `${password72} and then some`;

  it('when the password is over 72 bytes, then login refuses it with the registration rule, whether or not the user exists', async () => {
    expect((await register(t.agent(), 'tess', password72)).status).toBe(303);
    const known = await login(t.agent(), 'tess', longer);
    const unknown = await login(t.agent(), 'nobody', longer);
    for (const res of [known, unknown]) {
      expect(res.status).toBe(422);
      expect(res.text).toContain('Passwords can be at most 72 bytes long.');
      expect(res.headers.location).toBeUndefined();
    }
  });

  it('when over-long passwords are sent again and again, then they count as failed logins', async () => {
    await register(t.agent(), 'uma', password72);
    const agent = t.agent();
    for (let i = 0; i < 10; i++) expect((await login(agent, 'uma', longer)).status).toBe(422);
    expect((await login(agent, 'uma', password72)).status).toBe(429);
  });
});

describe('registration rate limit', () => {
  it('when one address creates more accounts than the hourly limit, then the next is refused with 429 and nothing is written', async () => {
    for (let i = 0; i < REGISTRATIONS_PER_ADDRESS; i++) expect((await register(t.agent(), `member-${i}`)).status).toBe(303);
    const refused = await register(t.agent(), 'one-too-many');
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('Too many new accounts from your network');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const agent = t.agent();
    const token = await csrfFrom(agent, '/register');
    const json = await agent.post('/register').set('Accept', 'application/json').set('X-CSRF-Token', token).type('form').send({ username: 'by-script', password: 'correct horse', confirm: 'correct horse' });
    expect(json.status).toBe(429);
    expect(json.body.error).toMatch(/^Too many new accounts from your network/);
    expect(await userCount()).toBe(REGISTRATIONS_PER_ADDRESS);
  });

  it('when registrations are refused for their input, then they do not count', async () => {
    for (let i = 0; i < REGISTRATIONS_PER_ADDRESS + 5; i++) expect((await register(t.agent(), 'no')).status).toBe(422);
    expect((await register(t.agent(), 'finally')).status).toBe(303);
  });
});

describe('password threads', () => {
  it('when more logins arrive than the password threads can queue, then the extra ones get 503 with Retry-After, are not counted, and later ones work', async () => {
    const passwords = createPasswords(12, { threads: 1, maxWaiting: 2 });
    const busy = await createTestApp({ passwords });
    try {
      await register(busy.agent(), 'vera');
      const agent = busy.agent();
      const _csrf = await csrfFrom(agent);
      const replies = await Promise.all(Array.from({ length: 12 }, (_, i) =>
        agent.post('/login').set(i % 2 ? { Accept: 'application/json' } : {}).type('form')
          .send({ _csrf, username: 'vera', password: 'wrong password' })));
      const unavailable = replies.filter((r) => r.status === 503);
      expect(replies.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(3);
      expect(unavailable.length).toBeGreaterThanOrEqual(1);
      for (const res of unavailable) {
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        if (res.type === 'application/json') expect(res.body.error).toMatch(/Too many logins right now/);
        else expect(res.text).toContain('Too many logins right now');
      }
      // Twelve tries at one name, but only the ones that were checked count toward its limit of ten.
      expect((await login(agent, 'vera')).status).toBe(303);
    } finally {
      await busy.close();
      await passwords.close();
    }
  });
});

describe('bad input', () => {
  it('when the form body is huge, then the answer is 413 and nothing is written', async () => {
    const agent = t.agent();
    const _csrf = await csrfFrom(agent, '/register');
    const res = await agent.post('/register').type('form').send({ _csrf, username: 'x'.repeat(100_000), password: 'correct horse', confirm: 'correct horse' });
    expect(res.status).toBe(413);
    expect(await userCount()).toBe(0);
  });

  it('when a page does not exist, then it is a 404 page', async () => {
    const agent = await signedInAgent(t, 'olga');
    const res = await agent.get('/no/such/page');
    expect(res.status).toBe(404);
    expect(res.text).toContain('There is no page at this address.');
  });
});

describe('demo user', () => {
  it('when ensured twice, then there is one rishi who can log in with "password"', async () => {
    const users = createUsersRepo(t.db);
    const passwords = createPasswords(4);
    try {
      await ensureDemoUser(users, passwords);
      await ensureDemoUser(users, passwords);
    } finally {
      await passwords.close();
    }
    expect(await userCount()).toBe(1);
    expect((await login(t.agent(), 'rishi', 'password')).status).toBe(303);
  });
});
