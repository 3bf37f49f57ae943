import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, login, register, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { solidPng } from '../helpers/fixtures.js';

let t: TestApp;
beforeEach(async () => void (t = await createTestApp()));
afterEach(() => t.close());

// Each leaves the site once a browser resolves it: dot segments, encoded dots and slashes collapse to "//host".
const OFF_SITE = [
  '/..//evil.invalid/x', '/.//evil.invalid/x', '/%2e//evil.invalid/x', '/%2e%2e//evil.invalid/x', '/a/../..//evil.invalid/x',
  '//evil.invalid', '/\\evil.invalid', 'https://evil.invalid/', '/./%2e%2e/.//evil.invalid',
];

const stayOnSite = (location: string | undefined) => {
  expect(location).toBeDefined();
  const resolved = new URL(location!, 'http://app.invalid/a/b');
  expect(resolved.origin).toBe('http://app.invalid');
  expect(location!.startsWith('//')).toBe(false);
  expect(location).not.toContain('\\');
};

describe('return paths after login and after an action', () => {
  it.each(OFF_SITE)('when a signed-in user opens /login?next=%s, then the redirect stays on this site', async (next) => {
    const agent = await signedInAgent(t, 'ana');
    const res = await agent.get(`/login?next=${encodeURIComponent(next)}`);
    expect(res.status).toBe(303);
    stayOnSite(res.headers.location);
  });

  it.each(OFF_SITE)('when /login?next=%s is typed raw, then the redirect stays on this site', async (next) => {
    const agent = await signedInAgent(t, 'ana');
    const res = await agent.get(`/login?next=${next}`);
    expect(res.status).toBe(303);
    stayOnSite(res.headers.location);
  });

  it.each(OFF_SITE)('when POST /login carries next=%s, then it goes to the gallery', async (next) => {
    await register(t.agent(), 'bea');
    const agent = t.agent();
    const _csrf = await csrfFrom(agent);
    const res = await agent.post('/login').type('form').send({ _csrf, username: 'bea', password: 'correct horse', next });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });

  it.each(OFF_SITE)('when making an image private carries next=%s, then it returns to the image', async (next) => {
    const agent = await signedInAgent(t, 'cyd');
    const id = (await upload(agent, [{ name: 'a.png', data: await solidPng('#ff0000') }])).body.results[0].image.id as string;
    const _csrf = await csrfFrom(agent, '/');
    const res = await agent.post(`/images/${id}/visibility`).type('form').send({ _csrf, visibility: 'private', next });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/images/${id}`);
  });

  it.each(OFF_SITE)('when a delete carries next=%s, then it returns to the gallery', async (next) => {
    const agent = await signedInAgent(t, 'dee');
    const id = (await upload(agent, [{ name: 'a.png', data: await solidPng('#ff0000') }])).body.results[0].image.id as string;
    const _csrf = await csrfFrom(agent, '/');
    const res = await agent.post(`/images/${id}/delete`).type('form').send({ _csrf, next, confirmed: 'yes' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });

  it.each(['/?page=2', '/search?q=red%2C%20dog', '/images/1234abcd'])('when the return path is the same-site %s, then it is kept', async (next) => {
    await register(t.agent(), 'eve');
    const agent = t.agent();
    await login(agent, 'eve');
    const res = await agent.get(`/login?next=${encodeURIComponent(next)}`);
    expect(res.headers.location).toBe(next);
  });
});
