// The OpenAPI document at /api/openapi.json: a valid OpenAPI 3.1 document, covering every route but the HTML
// forms, and every documented operation called for real here with its answer checked against the document,
// so the document cannot drift from the code.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument, OPENAPI_PATH } from '../../src/api/openapi.js';
import { createTestApp, csrfFrom, signedInAgent, upload, type TestApp } from '../helpers/app.js';
import { solidPng } from '../helpers/fixtures.js';
import { routesOf } from '../security/routes-of.js';

// ajv-formats is CommonJS: under NodeNext its types see the module object; the plugin is its `default`.
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;

/** What a browser shows and posts to, not what a script calls: the login, registration and account pages. */
const FORMS = ['GET /login', 'POST /login', 'GET /register', 'POST /register', 'POST /logout', 'GET /account', 'POST /account/tokens', 'POST /account/tokens/:id/revoke', 'POST /account/location'];

type Doc = typeof openApiDocument & { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };
const doc = openApiDocument as Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'api', components: doc.components });
const called = new Set<string>();

/** Fails unless `res` is one of the answers documented for the operation, in its documented shape. */
function expectDocumented(method: 'get' | 'post', template: string, res: Response) {
  const operation = doc.paths[template]?.[method];
  expect(operation, `${method.toUpperCase()} ${template} is documented`).toBeDefined();
  const answer = operation.responses[String(res.status)];
  expect(answer, `${method.toUpperCase()} ${template} answering ${res.status} is documented (${(res.text ?? '').slice(0, 200)})`).toBeDefined();
  const content = answer.content ?? {};
  if (content['application/json']) {
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const schema = JSON.parse(JSON.stringify(content['application/json'].schema).replaceAll('"#/components/', '"api#/components/'));
    const validate = ajv.compile(schema);
    expect(validate(res.body), `${method.toUpperCase()} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body).slice(0, 500)}`).toBe(true);
  } else if (content['image/*']) {
    expect(res.headers['content-type']).toMatch(/^image\//);
  } else if (content['application/zip']) {
    expect(res.headers['content-type']).toBe('application/zip');
  }
  called.add(`${method} ${template}`);
}

let t: TestApp;
beforeAll(async () => (t = await createTestApp({ env: { MAX_USER_GB: '1' } })));
afterAll(() => t.close());

describe('the OpenAPI document', () => {
  it('when it is fetched by anyone, then it is the document, and a valid OpenAPI 3.1 one', async () => {
    const res = await t.agent().get(OPENAPI_PATH);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    const result = await new Validator().validate(res.body);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expectDocumented('get', OPENAPI_PATH, res);
  });

  it('when the router is read, then every route but the HTML forms is in the document', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
    expect(routesOf(t.app).filter((r) => !FORMS.includes(r)).sort()).toEqual(documented.sort());
  });

  it('when every documented operation is called, then each answer is as documented', async () => {
    const json = { Accept: 'application/json' };
    expectDocumented('get', '/healthz', await t.agent().get('/healthz'));
    expectDocumented('get', '/', await t.agent().get('/').set(json));

    const owner = await signedInAgent(t, 'documenter');
    const other = await signedInAgent(t, 'reader');
    const png = await solidPng('#3366cc', 90, 60);
    const stored = await upload(owner, [{ name: 'blue.png', data: png }, { name: 'notes.png', data: Buffer.from('not an image') }]);
    expectDocumented('post', '/images', stored);
    expectDocumented('post', '/images', await upload(owner, [{ name: 'notes.png', data: Buffer.from('still not an image') }]));
    expectDocumented('post', '/images', await owner.post('/images').set(json).set('X-CSRF-Token', 'wrong').attach('images', png, 'a.png'));
    const id = stored.body.results[0].image.id as string;

    expectDocumented('get', '/', await owner.get('/').set(json));
    expectDocumented('get', '/', await owner.get('/?page=none').set(json));
    expectDocumented('get', '/search', await owner.get('/search?q=blue,documenter').set(json));
    expectDocumented('get', '/upload', await owner.get('/upload').set(json));
    expectDocumented('get', '/images/{id}', await owner.get(`/images/${id}`).set(json));
    expectDocumented('get', '/images/{id}', await other.get('/images/00000000-0000-4000-8000-000000000000').set(json));
    for (const which of ['file', 'thumb', 'download']) {
      expectDocumented('get', `/images/{id}/${which}`, await other.get(`/images/${id}/${which}`));
      expectDocumented('get', `/images/{id}/${which}`, await other.get(`/images/00000000-0000-4000-8000-000000000000/${which}`).set(json));
    }
    expectDocumented('get', '/images/{id}/file', await owner.get(`/images/${id}/file`).set('Range', 'bytes=0-9'));

    const token = await csrfFrom(owner, '/');
    const otherToken = await csrfFrom(other, '/');
    const visibility = (agent: typeof owner, csrf: string, value: string) =>
      agent.post(`/images/${id}/visibility`).set(json).set('X-CSRF-Token', csrf).send({ visibility: value });
    expectDocumented('post', '/images/{id}/visibility', await visibility(owner, token, 'private'));
    expectDocumented('post', '/images/{id}/visibility', await visibility(owner, token, 'secret'));
    expectDocumented('post', '/images/{id}/visibility', await visibility(other, otherToken, 'public'));
    const selection = (action: string, agent: typeof owner, csrf: string, body: object) =>
      agent.post(`/selection/${action}`).set(json).set('X-CSRF-Token', csrf).send(body);
    expectDocumented('post', '/selection/visibility', await selection('visibility', owner, token, { ids: [id], visibility: 'public' }));
    expectDocumented('post', '/selection/visibility', await selection('visibility', owner, token, { ids: [], visibility: 'public' }));
    expectDocumented('post', '/selection/visibility', await selection('visibility', other, otherToken, { ids: [id], visibility: 'private' }));
    expectDocumented('post', '/selection/visibility', await selection('visibility', other, otherToken, { ids: [crypto.randomUUID()], visibility: 'private' }));
    expectDocumented('post', '/selection/download', await selection('download', other, otherToken, { ids: [id] }).set('Accept', '*/*'));
    expectDocumented('post', '/selection/download', await selection('download', other, otherToken, { ids: ['x'] }));
    expectDocumented('post', '/selection/download', await selection('download', other, otherToken, { ids: [crypto.randomUUID()] }));
    expectDocumented('post', '/selection/delete', await selection('delete', other, otherToken, { ids: [id] }));
    expectDocumented('post', '/selection/delete', await selection('delete', owner, token, { ids: ['x'] }));
    const correct = (path: string, agent: typeof owner, csrf: string, body: object) =>
      agent.post(`/images/${id}/${path}`).set(json).set('X-CSRF-Token', csrf).send(body);
    expectDocumented('post', '/images/{id}/tags', await correct('tags', owner, token, { tag: 'Harbour' }));
    expectDocumented('post', '/images/{id}/tags', await correct('tags', owner, token, { tag: 'a, b' }));
    expectDocumented('post', '/images/{id}/tags', await correct('tags', other, otherToken, { tag: 'mine' }));
    expectDocumented('post', '/images/{id}/tags', await other.post(`/images/${crypto.randomUUID()}/tags`).set(json).set('X-CSRF-Token', otherToken).send({ tag: 'x' }));
    expectDocumented('post', '/images/{id}/tags/remove', await correct('tags/remove', owner, token, { tag: 'harbour' }));
    expectDocumented('post', '/images/{id}/labels/remove', await correct('labels/remove', owner, token, { label: 'tabby, tabby cat' }));
    expectDocumented('post', '/images/{id}/labels/remove', await correct('labels/remove', owner, token, { label: 'zebra' }));
    expectDocumented('post', '/images/{id}/labels/restore', await correct('labels/restore', owner, token, { label: 'tabby, tabby cat' }));
    expectDocumented('post', '/images/{id}/colour', await correct('colour', owner, token, { colour: 'teal' }));
    expectDocumented('get', '/images/{id}', await owner.get(`/images/${id}`).set(json));
    expectDocumented('post', '/images/{id}/colour', await correct('colour', owner, token, { colour: 'mauve' }));
    expectDocumented('post', '/images/{id}/colour', await correct('colour', owner, token, { colour: '' }));
    expectDocumented('post', '/selection/tag', await selection('tag', owner, token, { ids: [id], tag: 'harbour' }));
    expectDocumented('post', '/selection/tag', await selection('tag', owner, token, { ids: [id], tag: '' }));
    expectDocumented('post', '/selection/tag', await selection('tag', other, otherToken, { ids: [id], tag: 'x' }));
    const [spare] = (await upload(owner, [{ name: 'spare.png', data: png }])).body.results.map((r: { image: { id: string } }) => r.image.id);
    expectDocumented('post', '/selection/delete', await selection('delete', owner, token, { ids: [spare] }));
    expectDocumented('post', '/images/{id}/delete', await other.post(`/images/${id}/delete`).set(json).set('X-CSRF-Token', otherToken));
    expectDocumented('post', '/images/{id}/delete', await owner.post(`/images/${id}/delete`).set(json).set('X-CSRF-Token', token));
    expectDocumented('get', '/images/{id}', await owner.get(`/images/${id}`).set(json));

    const trash = (action: string, agent: typeof owner, csrf: string, body: object) =>
      agent.post(`/trash/${action}`).set(json).set('X-CSRF-Token', csrf).send(body);
    expectDocumented('get', '/trash', await owner.get('/trash').set(json));
    expectDocumented('get', '/trash', await t.agent().get('/trash').set(json));
    expectDocumented('get', '/trash/{id}/thumb', await owner.get(`/trash/${id}/thumb`));
    expectDocumented('get', '/trash/{id}/thumb', await other.get(`/trash/${id}/thumb`).set(json));
    expectDocumented('post', '/trash/restore', await trash('restore', other, otherToken, { ids: [id] }));
    expectDocumented('post', '/trash/restore', await trash('restore', owner, token, { ids: ['x'] }));
    expectDocumented('post', '/trash/restore', await trash('restore', owner, token, { ids: [spare] }));
    expectDocumented('post', '/trash/delete', await trash('delete', owner, token, { ids: [spare] }));
    expectDocumented('post', '/trash/delete', await trash('delete', owner, token, { all: 'yes' }));
    expectDocumented('post', '/trash/delete', await trash('delete', owner, token, { all: 'yes' }));
    expectDocumented('post', '/trash/delete', await trash('delete', owner, 'wrong', { all: 'yes' }));

    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(operations.filter((op) => !called.has(op))).toEqual([]);
  });
});
