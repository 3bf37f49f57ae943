// Who may see, list, count, serve, change or delete an image: one table, every cell checked against the app,
// and every image route the router declares must have its row (a new route without one fails here). An API
// token is the fourth kind of caller: its cells are its user's on the JSON and file routes, and 406 (nothing
// changed) on the HTML ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type request from 'supertest';
import { createTestApp, csrfFrom, signedInAgent, type TestApp } from '../helpers/app.js';
import { solidPng } from '../helpers/fixtures.js';
import { bytes as binary, zipEntries } from '../helpers/served.js';
import { routesOf, touchesImages, type RouteKey } from './routes-of.js';

type Actor = 'anonymous' | 'other' | 'owner';
type Visibility = 'public' | 'private';
/** What a cell expects: a status, then what it means for the image (see `checkEffect`). */
type Effect = 'listed' | 'hidden' | 'served' | 'changed' | 'corrected' | 'unchanged' | 'trashed' | 'restored' | 'deleted' | 'created' | 'asked' | 'refused';
type Cell = { status: number; effect: Effect };
type Ctx = { id: string; visibility: Visibility; token: string; png: Buffer };
/** `trashed`: the image is in its owner's trash when the request is sent. */
type Row = { route: RouteKey; variant: string; trashed: boolean; send: (agent: request.Agent, ctx: Ctx) => request.Test; cells: Record<`${Actor} ${Visibility}`, Cell> };

const OWNER = 'matrix-owner';
const other = (v: Visibility): Visibility => (v === 'public' ? 'private' : 'public');
const json = (test: request.Test) => test.set('Accept', 'application/json');

/**
 * Columns: anonymous public, anonymous private | other user public, private | owner public, private.
 * A cell is "<status> <effect>". Lists: listed / hidden (in the page and in the count). Reads: served, or
 * refused with the 404 of an unknown id. Changes: changed (visibility) / corrected (tags, labels, colour
 * name) / trashed / restored / deleted (for good), asked (a page that asks first, nothing changed), unchanged
 * (allowed, but there was nothing to undo), or refused with nothing changed. Rows marked "trashed" send
 * their request while the image is in its owner's trash: to everyone, the owner too, it is then the 404 of an
 * unknown id everywhere but the trash's own routes.
 * Uploads (POST /images): the column is the visibility sent; "other" and "owner" are both just signed-in users.
 */
const TRASHED = { trashed: true };
const TABLE: [RouteKey, string, Row['send'], string, { trashed?: boolean }?][] = [
  ['GET /', 'html', (a) => a.get('/'),
    '303 refused | 303 refused || 200 listed  | 200 hidden || 200 listed  | 200 listed'],
  ['GET /', 'json', (a) => json(a.get('/')),
    '401 refused | 401 refused || 200 listed  | 200 hidden || 200 listed  | 200 listed'],
  ['GET /search', 'html, by uploader', (a) => a.get('/search').query({ q: OWNER }),
    '303 refused | 303 refused || 200 listed  | 200 hidden || 200 listed  | 200 listed'],
  ['GET /search', 'json, by uploader', (a) => json(a.get('/search').query({ q: OWNER })),
    '401 refused | 401 refused || 200 listed  | 200 hidden || 200 listed  | 200 listed'],
  ['GET /search', 'json, by id', (a, c) => json(a.get('/search').query({ q: c.id })),
    '401 refused | 401 refused || 200 listed  | 200 hidden || 200 listed  | 200 listed'],
  ['GET /search', 'json, by id prefix', (a, c) => json(a.get('/search').query({ q: c.id.slice(0, 8) })),
    '401 refused | 401 refused || 200 listed  | 200 hidden || 200 listed  | 200 listed'],
  ['GET /images/:id', 'html', (a, c) => a.get(`/images/${c.id}`),
    '303 refused | 303 refused || 200 served  | 404 refused || 200 served  | 200 served'],
  ['GET /images/:id', 'json', (a, c) => json(a.get(`/images/${c.id}`)),
    '401 refused | 401 refused || 200 served  | 404 refused || 200 served  | 200 served'],
  ['GET /images/:id/file', '', (a, c) => a.get(`/images/${c.id}/file`),
    '303 refused | 303 refused || 200 served  | 404 refused || 200 served  | 200 served'],
  ['GET /images/:id/thumb', '', (a, c) => a.get(`/images/${c.id}/thumb`),
    '303 refused | 303 refused || 200 served  | 404 refused || 200 served  | 200 served'],
  ['GET /images/:id/download', '', (a, c) => a.get(`/images/${c.id}/download`),
    '303 refused | 303 refused || 200 served  | 404 refused || 200 served  | 200 served'],
  ['POST /images/:id/visibility', 'form', (a, c) => a.post(`/images/${c.id}/visibility`).type('form').send({ _csrf: c.token, visibility: other(c.visibility) }),
    '303 refused | 303 refused || 403 refused | 404 refused || 303 changed | 303 changed'],
  ['POST /images/:id/visibility', 'json', (a, c) => json(a.post(`/images/${c.id}/visibility`)).set('X-CSRF-Token', c.token).send({ visibility: other(c.visibility) }),
    '401 refused | 401 refused || 403 refused | 404 refused || 200 changed | 200 changed'],
  ['POST /images/:id/delete', 'form, unconfirmed', (a, c) => a.post(`/images/${c.id}/delete`).type('form').send({ _csrf: c.token }),
    '303 refused | 303 refused || 403 refused | 404 refused || 200 asked   | 200 asked'],
  ['POST /images/:id/delete', 'form', (a, c) => a.post(`/images/${c.id}/delete`).type('form').send({ _csrf: c.token, confirmed: 'yes' }),
    '303 refused | 303 refused || 403 refused | 404 refused || 303 trashed | 303 trashed'],
  ['POST /images/:id/delete', 'json', (a, c) => json(a.post(`/images/${c.id}/delete`)).set('X-CSRF-Token', c.token),
    '401 refused | 401 refused || 403 refused | 404 refused || 200 trashed | 200 trashed'],
  ['POST /images/:id/tags', 'form', (a, c) => a.post(`/images/${c.id}/tags`).type('form').send({ _csrf: c.token, tag: 'matrix tag' }),
    '303 refused | 303 refused || 403 refused | 404 refused || 303 corrected | 303 corrected'],
  ['POST /images/:id/tags', 'json', (a, c) => json(a.post(`/images/${c.id}/tags`)).set('X-CSRF-Token', c.token).send({ tag: 'matrix tag' }),
    '401 refused | 401 refused || 403 refused | 404 refused || 200 corrected | 200 corrected'],
  ['POST /images/:id/tags/remove', 'json', (a, c) => json(a.post(`/images/${c.id}/tags/remove`)).set('X-CSRF-Token', c.token).send({ tag: 'never added' }),
    '401 refused | 401 refused || 403 refused | 404 refused || 200 unchanged | 200 unchanged'],
  ['POST /images/:id/labels/remove', 'form', (a, c) => a.post(`/images/${c.id}/labels/remove`).type('form').send({ _csrf: c.token, label: 'tabby, tabby cat' }),
    '303 refused | 303 refused || 403 refused | 404 refused || 303 corrected | 303 corrected'],
  ['POST /images/:id/labels/remove', 'json', (a, c) => json(a.post(`/images/${c.id}/labels/remove`)).set('X-CSRF-Token', c.token).send({ label: 'tabby, tabby cat' }),
    '401 refused | 401 refused || 403 refused | 404 refused || 200 corrected | 200 corrected'],
  ['POST /images/:id/labels/restore', 'json', (a, c) => json(a.post(`/images/${c.id}/labels/restore`)).set('X-CSRF-Token', c.token).send({ label: 'tabby, tabby cat' }),
    '401 refused | 401 refused || 403 refused | 404 refused || 200 unchanged | 200 unchanged'],
  ['POST /images/:id/colour', 'json', (a, c) => json(a.post(`/images/${c.id}/colour`)).set('X-CSRF-Token', c.token).send({ colour: 'pink' }),
    '401 refused | 401 refused || 403 refused | 404 refused || 200 corrected | 200 corrected'],
  ['POST /selection/tag', 'form', (a, c) => a.post('/selection/tag').type('form').send({ _csrf: c.token, ids: c.id, tag: 'matrix tag' }),
    '303 refused | 303 refused || 403 refused | 404 refused || 303 corrected | 303 corrected'],
  ['POST /selection/tag', 'json', (a, c) => json(a.post('/selection/tag')).set('X-CSRF-Token', c.token).send({ ids: [c.id], tag: 'matrix tag' }),
    '401 refused | 401 refused || 403 refused | 404 refused || 200 corrected | 200 corrected'],
  ['POST /selection/visibility', 'form', (a, c) => a.post('/selection/visibility').type('form').send({ _csrf: c.token, ids: c.id, visibility: other(c.visibility) }),
    '303 refused | 303 refused || 403 refused | 404 refused || 303 changed | 303 changed'],
  ['POST /selection/visibility', 'json', (a, c) => json(a.post('/selection/visibility')).set('X-CSRF-Token', c.token).send({ ids: [c.id], visibility: other(c.visibility) }),
    '401 refused | 401 refused || 403 refused | 404 refused || 200 changed | 200 changed'],
  ['POST /selection/delete', 'form', (a, c) => a.post('/selection/delete').type('form').send({ _csrf: c.token, ids: c.id, confirmed: 'yes' }),
    '303 refused | 303 refused || 403 refused | 404 refused || 303 trashed | 303 trashed'],
  ['POST /selection/delete', 'json', (a, c) => json(a.post('/selection/delete')).set('X-CSRF-Token', c.token).send({ ids: [c.id] }),
    '401 refused | 401 refused || 403 refused | 404 refused || 200 trashed | 200 trashed'],
  // The trash: its owner's alone. The other user gets what an unknown id gets, whatever the visibility.
  ['GET /trash', 'html', (a) => a.get('/trash'),
    '303 refused | 303 refused || 200 hidden  | 200 hidden  || 200 listed  | 200 listed', TRASHED],
  ['GET /trash', 'json', (a) => json(a.get('/trash')),
    '401 refused | 401 refused || 200 hidden  | 200 hidden  || 200 listed  | 200 listed', TRASHED],
  ['GET /trash/:id/thumb', '', (a, c) => a.get(`/trash/${c.id}/thumb`),
    '303 refused | 303 refused || 404 refused | 404 refused || 200 served  | 200 served', TRASHED],
  ['POST /trash/restore', 'form', (a, c) => a.post('/trash/restore').type('form').send({ _csrf: c.token, ids: c.id }),
    '303 refused | 303 refused || 404 refused | 404 refused || 303 restored | 303 restored', TRASHED],
  ['POST /trash/restore', 'json', (a, c) => json(a.post('/trash/restore')).set('X-CSRF-Token', c.token).send({ ids: [c.id] }),
    '401 refused | 401 refused || 404 refused | 404 refused || 200 restored | 200 restored', TRASHED],
  ['POST /trash/delete', 'form, unconfirmed', (a, c) => a.post('/trash/delete').type('form').send({ _csrf: c.token, ids: c.id }),
    '303 refused | 303 refused || 404 refused | 404 refused || 200 asked   | 200 asked', TRASHED],
  ['POST /trash/delete', 'form', (a, c) => a.post('/trash/delete').type('form').send({ _csrf: c.token, ids: c.id, confirmed: 'yes' }),
    '303 refused | 303 refused || 404 refused | 404 refused || 303 deleted | 303 deleted', TRASHED],
  ['POST /trash/delete', 'json', (a, c) => json(a.post('/trash/delete')).set('X-CSRF-Token', c.token).send({ ids: [c.id] }),
    '401 refused | 401 refused || 404 refused | 404 refused || 200 deleted | 200 deleted', TRASHED],
  // A trashed image is gone for its owner too, outside the trash: every read and change is the unknown id's.
  ['GET /', 'json, trashed', (a) => json(a.get('/')),
    '401 refused | 401 refused || 200 hidden  | 200 hidden  || 200 hidden  | 200 hidden', TRASHED],
  ['GET /search', 'json, trashed, by id', (a, c) => json(a.get('/search').query({ q: c.id })),
    '401 refused | 401 refused || 200 hidden  | 200 hidden  || 200 hidden  | 200 hidden', TRASHED],
  ['GET /images/:id', 'json, trashed', (a, c) => json(a.get(`/images/${c.id}`)),
    '401 refused | 401 refused || 404 refused | 404 refused || 404 refused | 404 refused', TRASHED],
  ['GET /images/:id/file', 'trashed', (a, c) => a.get(`/images/${c.id}/file`),
    '303 refused | 303 refused || 404 refused | 404 refused || 404 refused | 404 refused', TRASHED],
  ['GET /images/:id/thumb', 'trashed', (a, c) => a.get(`/images/${c.id}/thumb`),
    '303 refused | 303 refused || 404 refused | 404 refused || 404 refused | 404 refused', TRASHED],
  ['GET /images/:id/download', 'trashed', (a, c) => a.get(`/images/${c.id}/download`),
    '303 refused | 303 refused || 404 refused | 404 refused || 404 refused | 404 refused', TRASHED],
  ['POST /images/:id/visibility', 'json, trashed', (a, c) => json(a.post(`/images/${c.id}/visibility`)).set('X-CSRF-Token', c.token).send({ visibility: other(c.visibility) }),
    '401 refused | 401 refused || 404 refused | 404 refused || 404 refused | 404 refused', TRASHED],
  ['POST /images/:id/tags', 'json, trashed', (a, c) => json(a.post(`/images/${c.id}/tags`)).set('X-CSRF-Token', c.token).send({ tag: 'matrix tag' }),
    '401 refused | 401 refused || 404 refused | 404 refused || 404 refused | 404 refused', TRASHED],
  ['POST /selection/tag', 'json, trashed', (a, c) => json(a.post('/selection/tag')).set('X-CSRF-Token', c.token).send({ ids: [c.id], tag: 'matrix tag' }),
    '401 refused | 401 refused || 404 refused | 404 refused || 404 refused | 404 refused', TRASHED],
  ['POST /images/:id/delete', 'json, trashed', (a, c) => json(a.post(`/images/${c.id}/delete`)).set('X-CSRF-Token', c.token),
    '401 refused | 401 refused || 404 refused | 404 refused || 404 refused | 404 refused', TRASHED],
  ['POST /selection/download', 'trashed', (a, c) => a.post('/selection/download').set('X-CSRF-Token', c.token).send({ ids: [c.id] }),
    '303 refused | 303 refused || 404 refused | 404 refused || 404 refused | 404 refused', TRASHED],
  ['POST /selection/download', '', (a, c) => a.post('/selection/download').set('X-CSRF-Token', c.token).send({ ids: [c.id] }).buffer(true).parse(binary),
    '303 refused | 303 refused || 200 served  | 404 refused || 200 served  | 200 served'],
  ['POST /images', 'form', (a, c) => a.post('/images').field('_csrf', c.token).field('visibility', c.visibility).field('duplicates', 'keep').attach('images', c.png, 'new.png'),
    '303 refused | 303 refused || 303 created | 303 created || 303 created | 303 created'],
  ['POST /images', 'json', (a, c) => json(a.post('/images')).set('X-CSRF-Token', c.token).field('visibility', c.visibility).field('duplicates', 'keep').attach('images', c.png, 'new.png'),
    '401 refused | 401 refused || 200 created | 200 created || 200 created | 200 created'],
];

const COLUMNS = ['anonymous public', 'anonymous private', 'other public', 'other private', 'owner public', 'owner private'] as const;

const MATRIX: Row[] = TABLE.map(([route, variant, send, line, options]) => {
  const parts = line.split(/\|\|?/).map((s) => s.trim().split(/\s+/));
  if (parts.length !== COLUMNS.length) throw new Error(`${route} ${variant}: ${parts.length} cells, expected ${COLUMNS.length}`);
  const cells = Object.fromEntries(COLUMNS.map((col, i) => [col, { status: Number(parts[i][0]), effect: parts[i][1] as Effect }]));
  return { route, variant, send, trashed: options?.trashed === true, cells: cells as Row['cells'] };
});

let t: TestApp;
const agents = {} as Record<Actor, request.Agent>;
/** Agents that send a read-write API token of the user (and no cookie) with every request. */
const tokenAgents = {} as Record<'owner' | 'other', request.Agent>;
const tokens = {} as Record<Actor, string>;
let png: Buffer;
beforeAll(async () => {
  t = await createTestApp();
  agents.owner = await signedInAgent(t, OWNER);
  agents.other = await signedInAgent(t, 'matrix-other');
  agents.anonymous = t.agent();
  tokens.anonymous = await csrfFrom(agents.anonymous, '/login');
  for (const actor of ['owner', 'other'] as const) tokens[actor] = await csrfFrom(agents[actor], '/upload');
  for (const actor of ['owner', 'other'] as const) {
    const _csrf = await csrfFrom(agents[actor], '/account');
    const made = await agents[actor].post('/account/tokens').type('form').send({ _csrf, name: 'matrix', scope: 'read-write', days: '0' });
    tokenAgents[actor] = t.agent().set('Authorization', `Bearer ${/value="(irt_[^"]+)"/.exec(made.text)![1]}`);
  }
  png = await solidPng('#2e86c1', 40, 30);
});
afterAll(() => t.close());

describe('the access matrix covers the router', () => {
  it('when the app declares a route that shows, counts, serves or changes images, then the matrix has a row for it', () => {
    const declared = routesOf(t.app);
    const missing = declared.filter(touchesImages).filter((route) => !MATRIX.some((row) => row.route === route));
    expect(missing, 'image routes without a row in the access matrix').toEqual([]);
    // And the table names no route that is gone, so it cannot silently go stale.
    const stale = [...new Set(MATRIX.map((row) => row.route))].filter((route) => !declared.includes(route));
    expect(stale, 'rows for routes the app no longer has').toEqual([]);
  });

  it('when the matrix is counted, then it has a cell per row, actor and visibility', () => {
    expect(MATRIX.length * COLUMNS.length).toBe(TABLE.length * 6);
    console.log(`access matrix: ${MATRIX.length} rows x ${COLUMNS.length} cells = ${MATRIX.length * COLUMNS.length} cells`);
  });
});

type Snapshot = { row: unknown; terms: unknown; files: string[]; trashed: unknown };

async function snapshot(id: string): Promise<Snapshot> {
  const [row] = await t.rows<{ seq: number }>`SELECT * FROM images WHERE id = ${id}`;
  // A gone image has no seq: its terms are then looked up by one no row has. Its labels are in the row.
  const seq = row?.seq ?? -1;
  return {
    row,
    terms: await t.rows`SELECT term, owner_id, public FROM image_terms WHERE image_seq = ${seq} ORDER BY term`,
    files: (await t.storedFiles()).filter((f) => f.startsWith(id)),
    trashed: await t.rows`SELECT id, owner_id, original_name FROM trashed_images WHERE id = ${id}`,
  };
}

async function ownerImage(visibility: Visibility): Promise<string> {
  const res = await json(agents.owner.post('/images')).set('X-CSRF-Token', tokens.owner).field('visibility', visibility).field('duplicates', 'keep').attach('images', png, 'cell.png');
  expect(res.status).toBe(200);
  return res.body.results[0].image.id;
}

/** Totals as the viewer's JSON answer gives them, to see whether a new image is counted. */
async function total(row: Row, agent: request.Agent, actor: Actor, ctx: Ctx): Promise<number | undefined> {
  if (actor === 'anonymous' || !row.variant.startsWith('json')) return undefined;
  const res = await row.send(agent, ctx);
  return res.body.total as number;
}

const byAgent = (actor: Actor) => agents[actor];
const cases = MATRIX.flatMap((row) => COLUMNS.map((column) => ({ row, column, cell: row.cells[column], agentOf: byAgent, caller: column })));
// With a token: the JSON and file rows as its user, the HTML rows refused with 406 and nothing changed.
const tokenCases = MATRIX.flatMap((row) => COLUMNS.filter((column) => !column.startsWith('anonymous')).map((column) => {
  const byToken = !row.variant.startsWith('html') && !row.variant.startsWith('form');
  const cell: Cell = byToken ? row.cells[column] : { status: 406, effect: 'refused' };
  return { row, column, cell, agentOf: (actor: Actor) => tokenAgents[actor as 'owner' | 'other'], caller: `${column} with a token` };
}));

describe.each([...cases, ...tokenCases])('$row.route ($row.variant) as $caller', ({ row, column, cell, agentOf }) => {
  const [actor, visibility] = column.split(' ') as [Actor, Visibility];
  it(`when asked, then ${cell.status} and the image is ${cell.effect}`, async () => {
    const ctx: Ctx = { id: '', visibility, token: tokens[actor], png };
    const totalBefore = row.cells[column].effect === 'listed' || row.cells[column].effect === 'hidden'
      ? await total(row, agentOf(actor), actor, { ...ctx, id: '00000000' }) : undefined;
    ctx.id = row.route === 'POST /images' ? '' : await ownerImage(visibility);
    const untrashed = ctx.id ? await snapshot(ctx.id) : undefined;
    if (row.trashed) expect((await json(agents.owner.post(`/images/${ctx.id}/delete`)).set('X-CSRF-Token', tokens.owner)).status).toBe(200);
    const before = ctx.id ? await snapshot(ctx.id) : undefined;
    const rowsBefore = await t.count('images');
    const filesBefore = await t.storedFiles();

    const res = await row.send(agentOf(actor), ctx);
    expect(res.status, text(res).slice(0, 300)).toBe(cell.status);
    if (cell.status === 303 && actor === 'anonymous') expect(res.headers.location).toMatch(/^\/login(\?|$)/);

    switch (cell.effect) {
      case 'listed':
      case 'hidden': {
        const shown = cell.effect === 'listed';
        if (row.variant.startsWith('json')) {
          expect(res.body.images.map((i: { id: string }) => i.id).includes(ctx.id)).toBe(shown);
          if (!row.variant.includes('id')) expect(res.body.total - totalBefore!).toBe(shown ? 1 : 0);
          else expect(res.body.total).toBe(shown ? 1 : 0);
        } else {
          expect(res.text.includes(ctx.id)).toBe(shown);
        }
        expect(await snapshot(ctx.id)).toEqual(before);
        break;
      }
      case 'served': {
        await expectServed(row, res, ctx.id, agentOf(actor));
        // Another user's first read of the file makes the copy others are served (README, Using it): nothing else changes.
        const sharesCopy = actor === 'other' && (row.route === 'GET /images/:id/file' || row.route === 'GET /images/:id/download' || row.route === 'POST /selection/download');
        const shared = `${ctx.id}.shared.png`;
        expect(await snapshot(ctx.id)).toEqual(sharesCopy ? { ...before!, files: [...before!.files, shared].sort() } : before);
        break;
      }
      case 'refused':
        if (ctx.id) {
          expect(await snapshot(ctx.id)).toEqual(before);
          expect(text(res)).not.toContain('cell.png');
          if (cell.status === 404) await expectSameAsUnknownId(row, agentOf(actor), ctx, res);
        }
        expect(await t.count('images')).toBe(rowsBefore);
        expect(await t.storedFiles()).toEqual(filesBefore);
        break;
      case 'changed': {
        const after = await snapshot(ctx.id);
        const row0 = before!.row as { visibility: string };
        expect(after.row).toEqual({ ...row0, visibility: other(visibility) });
        expect(new Set((after.terms as { public: number }[]).map((x) => x.public))).toEqual(new Set([visibility === 'public' ? 0 : 1]));
        expect(after.files).toEqual(before!.files);
        break;
      }
      case 'corrected': {
        // The owner's correction, in the row's corrections and in its search terms; nothing else of it changes.
        const after = await snapshot(ctx.id);
        expect(after.row).toEqual({ ...(before!.row as object), corrections: expect.any(String) });
        expect(after.terms).not.toEqual(before!.terms);
        expect(after.files).toEqual(before!.files);
        break;
      }
      case 'unchanged':
        expect(await snapshot(ctx.id)).toEqual(before);
        break;
      case 'trashed':
        expect(await snapshot(ctx.id)).toEqual({ row: undefined, terms: [], files: before!.files, trashed: [{ id: ctx.id, owner_id: expect.anything(), original_name: 'cell.png' }] });
        expect(before!.files).toHaveLength(2);
        break;
      case 'restored':
        expect(await snapshot(ctx.id)).toEqual(untrashed);
        break;
      case 'deleted':
        expect(await snapshot(ctx.id)).toEqual({ row: undefined, terms: [], files: [], trashed: [] });
        expect(before!.files).toHaveLength(2);
        break;
      case 'asked':
        expect(await snapshot(ctx.id)).toEqual(before);
        expect(text(res)).toContain('cell.png');
        expect(text(res)).toContain('name="confirmed" value="yes"');
        break;
      case 'created': {
        expect(await t.count('images')).toBe(rowsBefore + 1);
        const [created] = await t.rows<{ id: string; visibility: string; username: string }>`SELECT i.id, i.visibility, u.username FROM images i JOIN users u ON u.id = i.owner_id ORDER BY i.seq DESC LIMIT 1`;
        expect(created).toMatchObject({ visibility, username: actor === 'owner' ? OWNER : 'matrix-other' });
        expect((await snapshot(created.id)).files).toHaveLength(2);
        break;
      }
    }
    expect(t.incomingFiles()).toEqual([]);
    // A form's redirect leaves a flash for the next page: the browser's next page shows it, not another cell's.
    if (res.status === 303 && actor !== 'anonymous') await agentOf(actor).get(res.headers.location);
  });
});

const text = (res: request.Response): string => res.text ?? (Buffer.isBuffer(res.body) ? res.body.toString() : '');


async function expectServed(row: Row, res: request.Response, id: string, agent: request.Agent) {
  if (row.route === 'POST /selection/download') {
    expect(res.headers['content-type']).toBe('application/zip');
    // The one file of the zip is what the file route serves this caller: the original, or others' copy.
    const file = await agent.get(`/images/${id}/file`).buffer(true).parse(binary);
    expect(file.status).toBe(200);
    expect((await zipEntries(res.body as Buffer)).map(({ name, bytes }) => ({ name, bytes }))).toEqual([{ name: 'cell.png', bytes: file.body }]);
    return;
  }
  if (row.route === 'GET /images/:id/file' || row.route === 'GET /images/:id/download') {
    expect(res.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(res.body as Buffer, png)).toBe(0);
  }
  if (row.route === 'GET /images/:id/thumb') expect(res.headers['content-type']).toBe('image/webp');
  if (row.route === 'GET /images/:id/download') expect(res.headers['content-disposition']).toMatch(/^attachment; filename="?cell\.png"?$/);
  if (row.route.includes('/:id/')) expect(res.headers['x-content-type-options']).toBe('nosniff');
  if (row.variant === 'json') expect(res.body.image.id).toBe(id);
  if (row.variant === 'html') expect(res.text).toContain(id);
}

/** A private image of someone else must answer exactly like an id that does not exist. */
async function expectSameAsUnknownId(row: Row, agent: request.Agent, ctx: Ctx, res: request.Response) {
  const unknown = crypto.randomUUID();
  const control = await row.send(agent, { ...ctx, id: unknown });
  expect(control.status).toBe(res.status);
  expect(text(res).replaceAll(ctx.id, 'ID')).toBe(text(control).replaceAll(unknown, 'ID'));
}
