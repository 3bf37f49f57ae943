import type { RequestHandler, Response } from 'express';
import type { User, UsersRepo } from './users.js';
import { SESSION_LIFETIME_MS } from '../web/session.js';
import { wantsJson } from '../web/wants-json.js';

/**
 * Loads the signed-in user into res.locals.user and ends sessions older than SESSION_LIFETIME_MS
 * since login, whatever happened in between.
 */
export function loadUser(users: UsersRepo, now: () => number): RequestHandler {
  return async (req, res, next) => {
    const { userId, loginAt } = req.session ?? {};
    if (userId === undefined) return next();
    const user = await users.findById(userId);
    if (!user || loginAt === undefined || now() - loginAt >= SESSION_LIFETIME_MS) {
      res.locals.sessionExpired = Boolean(user);
      return req.session.destroy((err) => next(err));
    }
    res.locals.user = user;
    // For the page's script: its notice before the end, and the password it asks for after.
    res.locals.sessionEndsInMs = loginAt + SESSION_LIFETIME_MS - now();
    next();
  };
}

/** Everything but login and register: anonymous visitors go to the login page and come back afterwards. */
export const requireUser: RequestHandler = (req, res, next) => {
  if (res.locals.user) return next();
  const expired = res.locals.sessionExpired === true;
  if (wantsJson(req)) {
    res.status(401).json({ error: expired ? 'Your session expired. Log in again.' : 'Log in first.' });
    return;
  }
  const params = new URLSearchParams();
  if (req.method === 'GET') params.set('next', req.originalUrl);
  if (expired) params.set('expired', '1');
  const query = params.toString();
  res.redirect(303, `/login${query ? `?${query}` : ''}`);
};

/** The signed-in user; only for handlers mounted after requireUser. */
export const currentUser = (res: Response): User => res.locals.user as User;
