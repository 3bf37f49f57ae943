import type { ErrorRequestHandler, Request, Response } from 'express';
import { PasswordsBusy } from './passwords.js';
import { field, loginUsername, safeReturnPath } from './validation.js';
import { wantsJson } from '../web/wants-json.js';

/** How long a client is asked to wait when every password thread is busy: a few jobs' worth. */
export const BUSY_RETRY_AFTER_SECONDS = 2;

/** A login that did not sign in: the form again with the name and way back kept, or `{ error }` for a script. */
export function refuseLogin(req: Request, res: Response, status: number, error: string): void {
  res.status(status);
  if (wantsJson(req)) {
    res.json({ error });
    return;
  }
  res.render('auth/login', {
    title: 'Log in', username: loginUsername(req.body), next: safeReturnPath(field(req.body, 'next', 2000)) ?? '', error, notice: undefined,
  });
}

/** A registration refused for the whole form rather than one of its fields. */
export function refuseRegistration(req: Request, res: Response, status: number, message: string): void {
  res.status(status);
  if (wantsJson(req)) {
    res.json({ error: message });
    return;
  }
  res.render('errors/error', { title: 'Try again later', status, message });
}

/** Every password thread busy (or one just died and is being replaced): a 503 the client may retry. */
export const passwordsBusyHandler: ErrorRequestHandler = (err, req, res, next) => {
  if (!(err instanceof PasswordsBusy)) return next(err);
  if (err.reason === 'thread-stopped') req.log.error({ err }, 'a password thread stopped');
  res.set('Retry-After', String(BUSY_RETRY_AFTER_SECONDS));
  if (req.path === '/login') refuseLogin(req, res, 503, 'Too many logins right now. Try again in a few seconds.');
  else refuseRegistration(req, res, 503, 'Too many new accounts right now. Try again in a few seconds.');
};
