import { Router, type Response } from 'express';
import { currentUser } from '../auth/require-user.js';
import { TOKEN_SCOPES, type ApiTokensRepo, type TokenScope } from '../auth/api-tokens.js';
import type { UsersRepo } from '../auth/users.js';
import { field } from '../auth/validation.js';
import { badRequest, notFound } from '../errors.js';
import { flash } from '../web/flash.js';

/** The lifetimes offered, in days; 0 is "never expires". */
export const TOKEN_LIFETIMES = [30, 90, 365, 7, 0] as const;
/** Enough for every script a person runs, few enough that the page stays one screen. */
export const MAX_TOKENS = 50;
const DAY_MS = 24 * 60 * 60 * 1000;

type Input = { name: string; scope: string; days: string };
type Errors = Partial<Record<keyof Input | 'count', string>>;

type Deps = { tokens: ApiTokensRepo; users: Pick<UsersRepo, 'sharesLocation' | 'setSharesLocation'>; now: () => number };

/**
 * The account page: what others get of one's photos, and API tokens made, listed and revoked (by people, in a
 * browser: tokens are refused here).
 */
export function accountRoutes({ tokens, users, now }: Deps): Router {
  const router = Router();

  const render = async (res: Response, status: number, input: Input, errors: Errors = {}, created?: { name: string; secret: string }) =>
    res.status(status).render('account/tokens', {
      title: 'Account', tokens: await tokens.list(currentUser(res).id), sharesLocation: await users.sharesLocation(currentUser(res).id),
      input, errors, created, now: now(),
    });
  const blank: Input = { name: '', scope: 'read', days: String(TOKEN_LIFETIMES[0]) };

  router.get('/account', async (_req, res) => {
    await render(res, 200, blank);
  });

  router.post('/account/tokens', async (req, res) => {
    const input: Input = { name: field(req.body, 'name', 200).trim(), scope: field(req.body, 'scope', 20), days: field(req.body, 'days', 10) };
    const errors: Errors = {};
    if (!input.name) errors.name = 'Name the token after what will use it, such as "backup script".';
    else if (input.name.length > 64 || /[\u0000-\u001f\u007f]/.test(input.name)) errors.name = 'At most 64 characters, and no control characters.';
    if (!TOKEN_SCOPES.includes(input.scope as TokenScope)) errors.scope = 'Choose read or read and write.';
    const days = Number(input.days);
    if (!(TOKEN_LIFETIMES as readonly number[]).includes(days) || !/^\d+$/.test(input.days)) errors.days = 'Choose one of the lifetimes offered.';
    const user = currentUser(res);
    if ((await tokens.list(user.id)).length >= MAX_TOKENS) errors.count = `You have ${MAX_TOKENS} tokens, the most there can be: revoke one first.`;
    if (Object.keys(errors).length > 0) return render(res, 422, input, errors);
    const { secret } = await tokens.create(user.id, { name: input.name, scope: input.scope as TokenScope, expiresAt: days ? now() + days * DAY_MS : null });
    // Shown on this answer only, never stored in the session: a reload does not show it again.
    res.set('Cache-Control', 'no-store');
    await render(res, 201, blank, {}, { name: input.name, secret });
  });

  // A checkbox: "on" when ticked, absent when not.
  router.post('/account/location', async (req, res) => {
    const raw: unknown = req.body?.share_location;
    if (raw !== undefined && raw !== 'on') throw badRequest('"share_location" is "on" or left out.');
    const on = raw === 'on';
    await users.setSharesLocation(currentUser(res).id, on);
    await flash(req, 'success', on
      ? 'Others now see where your public photos were taken (JPEG, PNG and WebP keep it in the file too).'
      : 'Others no longer see where your photos were taken.');
    res.redirect(303, '/account');
  });

  router.post('/account/tokens/:id/revoke', async (req, res) => {
    const id = /^\d{1,15}$/.test(req.params.id) ? Number(req.params.id) : NaN;
    const name = Number.isNaN(id) ? undefined : await tokens.revoke(currentUser(res).id, id);
    if (name === undefined) throw notFound('There is no such token.');
    await flash(req, 'success', `Revoked "${name}": it no longer works, on any server.`);
    res.redirect(303, '/account');
  });

  return router;
}
