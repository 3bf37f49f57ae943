// GET /metrics for Prometheus: absent without METRICS_TOKEN, only with the token when set, and counting what
// an operator watches: requests by route, uploads and their files, analysis and classification times.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createTestApp, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { solidPng } from '../helpers/fixtures.js';

const TOKEN = 'metrics-token-of-this-test-0123456789';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** The value of one series in the text format, or undefined when it is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('when METRICS_TOKEN is not set, then /metrics answers as an unknown page does (to a login first, then 404)', async () => {
    t = await createTestApp();
    const anonymous = await t.agent().get('/metrics');
    const unknown = await t.agent().get('/no-such-page');
    expect([anonymous.status, anonymous.headers.location]).toEqual([unknown.status, unknown.headers.location?.replace('no-such-page', 'metrics')]);
    expect((await (await signedInAgent(t, 'watcher')).get('/metrics')).status).toBe(404);
    // A bearer is then taken for an API token, and this is no API token.
    expect((await t.agent().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).set('Accept', 'application/json')).status).toBe(401);
  });

  it('when it is set, then a request without it or with another token is refused with 401 and no session is made', async () => {
    t = await createTestApp({ env: { METRICS_TOKEN: TOKEN } });
    const sameLengthOtherBytes = `Bearer ${'é'.repeat(TOKEN.length)}`;
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, TOKEN, `Basic ${TOKEN}`, sameLengthOtherBytes]) {
      let req = t.agent().get('/metrics');
      if (authorization) req = req.set('Authorization', authorization);
      const res = await req;
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.text).not.toContain('nodejs_');
    }
    const res = await t.agent().get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await t.count('sessions')).toBe(0);
  });

  it('when an upload of two files (one not an image) is made, then the scrape counts it, its files and their timings, and the pages by route', async () => {
    t = await createTestApp({ env: { METRICS_TOKEN: TOKEN } });
    const agent = await signedInAgent(t, 'counter');
    const res = await upload(agent, [{ name: 'red.png', data: await solidPng('#ff0000') }, { name: 'notes.png', data: Buffer.from('not an image') }]);
    expect(res.status).toBe(200);
    await agent.get('/');

    const scrape = await t.agent().get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = scrape.text;
    expect(sample(text, 'image_repo_uploads_total{status="200"}')).toBe(1);
    expect(sample(text, 'image_repo_upload_files_total{outcome="stored"}')).toBe(1);
    const refused = res.body.results[1].reason as string;
    expect(sample(text, `image_repo_upload_files_total{outcome="${refused}"}`)).toBe(1);
    expect(sample(text, 'image_repo_classification_seconds_count')).toBe(1);
    expect(sample(text, 'image_repo_analysis_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'image_repo_classifier_queue_depth')).toBe(0);
    expect(sample(text, 'http_request_duration_seconds_count{method="POST",route="/images",status="200"}')).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="/",status="200"}')).toBe(1);
    // One series per route pattern, not per URL: an image page is counted under /images/:id.
    const id = res.body.results[0].image.id as string;
    await agent.get(`/images/${id}`).set('Accept', 'text/html');
    const again = (await t.agent().get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).text;
    expect(again).toContain('route="/images/:id"');
    expect(again).not.toContain(id);
    expect(sample(again, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });
});

describe('METRICS_TOKEN', () => {
  it('when it is short or holds spaces, then start-up stops naming it', () => {
    for (const token of ['short', 'a token with spaces in it, long enough']) {
      expect(() => loadConfig({ METRICS_TOKEN: token })).toThrow(ConfigError);
      expect(() => loadConfig({ METRICS_TOKEN: token })).toThrow(/^METRICS_TOKEN must be at least 24 characters/);
    }
    expect(loadConfig({ METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
  });
});
