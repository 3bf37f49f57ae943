import { Router, type Request } from 'express';
import type { Passwords } from './passwords.js';
import type { User, UsersRepo } from './users.js';
import { loginLimiters, registrationLimiter, type LimitStores } from './login-limiter.js';
import { passwordsBusyHandler, refuseLogin } from './refusals.js';
import { field, loginUsername, passwordTooLong, safeReturnPath, validateRegistration } from './validation.js';
import type { CsrfTokenFor } from '../web/csrf.js';
import { flash } from '../web/flash.js';
import { SESSION_LIFETIME_MS } from '../web/session.js';
import { wantsJson } from '../web/wants-json.js';

type Deps = { users: UsersRepo; passwords: Passwords; now: () => number; limits: LimitStores; csrfTokenFor: CsrfTokenFor };

export function authRoutes({ users, passwords, now, limits, csrfTokenFor }: Deps): Router {
  const router = Router();

  router.get('/login', (req, res) => {
    // The form's token for a page that signs in again in place (its own token died with the session). Made
    // here, after loadUser: the one exposed earlier may be bound to a session this very request ended.
    if (wantsJson(req)) return res.set({ 'Cache-Control': 'no-store', Vary: 'Accept' }).json({ csrfToken: csrfTokenFor(req, res) });
    if (res.locals.user) return res.redirect(303, safeReturnPath(req.query.next) ?? '/');
    const notice = req.query.expired
      ? 'Your session expired. Please log in again.'
      : req.query.loggedOut ? 'You are logged out.' : undefined;
    res.render('auth/login', { title: 'Log in', username: '', next: safeReturnPath(req.query.next) ?? '', error: undefined, notice });
  });

  router.post('/login', ...loginLimiters(limits), async (req, res) => {
    const username = loginUsername(req.body);
    const password = field(req.body, 'password', 200);
    // bcrypt would compare only the first 72 bytes. Decided from the input alone, before any lookup, so it
    // says nothing about the account; the limiters count it as a failed login.
    const tooLong = passwordTooLong(password);
    if (tooLong) return refuseLogin(req, res, 422, tooLong);
    const user = await users.findByUsername(username);
    if (!username || !password || !(await passwords.verify(password, user?.passwordHash))) {
      return refuseLogin(req, res, 401, 'Wrong username or password.');
    }
    await startSession(req, user!, now());
    if (wantsJson(req)) {
      // A page signing in again in place carries on with the new session's token.
      res.set('Cache-Control', 'no-store').json({ username: user!.username, csrfToken: csrfTokenFor(req, res), sessionEndsInMs: SESSION_LIFETIME_MS });
      return;
    }
    res.redirect(303, safeReturnPath(field(req.body, 'next', 2000)) ?? '/');
  });

  router.get('/register', (_req, res) => {
    res.render('auth/register', { title: 'Create an account', username: '', errors: {} });
  });

  router.post('/register', registrationLimiter(limits), async (req, res) => {
    const input = { username: field(req.body, 'username', 100), password: field(req.body, 'password'), confirm: field(req.body, 'confirm') };
    const errors = validateRegistration(input);
    if (!errors.username && (await users.findByUsername(input.username))) errors.username = 'That username is taken.';
    if (Object.keys(errors).length > 0) {
      res.status(422).render('auth/register', { title: 'Create an account', username: input.username, errors });
      return;
    }
    const user = await users.create(input.username, await passwords.hash(input.password));
    if (!user) {
      // Someone took the name while we were hashing.
      res.status(422).render('auth/register', { title: 'Create an account', username: input.username, errors: { username: 'That username is taken.' } });
      return;
    }
    await startSession(req, user, now());
    await flash(req, 'success', `Welcome, ${user.username}!`);
    res.redirect(303, '/');
  });

  router.post('/logout', (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie('sid');
      res.redirect(303, '/login?loggedOut=1');
    });
  });

  router.use(passwordsBusyHandler);
  return router;
}

/** A fresh session id at login, so an id planted before login is worthless (fixation). */
function startSession(req: Request, user: User, loginAt: number): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((err) => {
      if (err) return reject(err);
      req.session.userId = user.id;
      req.session.loginAt = loginAt;
      req.session.save((saveErr) => (saveErr ? reject(saveErr) : resolve()));
    });
  });
}
