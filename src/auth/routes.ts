import { Router, type Request } from 'express';
import type { Passwords } from './passwords.js';
import type { User, UsersRepo } from './users.js';
import { loginLimiter } from './login-limiter.js';
import { field, safeReturnPath, validateRegistration } from './validation.js';
import { flash } from '../web/flash.js';

type Deps = { users: UsersRepo; passwords: Passwords; now: () => number };

export function authRoutes({ users, passwords, now }: Deps): Router {
  const router = Router();

  router.get('/login', (req, res) => {
    if (res.locals.user) return res.redirect(303, safeReturnPath(req.query.next) ?? '/');
    const notice = req.query.expired
      ? 'Your session expired. Please log in again.'
      : req.query.loggedOut ? 'You are logged out.' : undefined;
    res.render('auth/login', { title: 'Log in', username: '', next: safeReturnPath(req.query.next) ?? '', error: undefined, notice });
  });

  router.post('/login', loginLimiter(), async (req, res) => {
    const username = field(req.body, 'username', 32);
    const password = field(req.body, 'password', 200);
    const next = safeReturnPath(field(req.body, 'next', 2000)) ?? '/';
    const user = users.findByUsername(username);
    if (!username || !password || !(await passwords.verify(password, user?.passwordHash))) {
      res.status(401).render('auth/login', {
        title: 'Log in', username, next, notice: undefined,
        error: 'Wrong username or password.',
      });
      return;
    }
    await startSession(req, user!, now());
    res.redirect(303, next);
  });

  router.get('/register', (_req, res) => {
    res.render('auth/register', { title: 'Create an account', username: '', errors: {} });
  });

  router.post('/register', async (req, res) => {
    const input = { username: field(req.body, 'username', 100), password: field(req.body, 'password'), confirm: field(req.body, 'confirm') };
    const errors = validateRegistration(input);
    if (!errors.username && users.findByUsername(input.username)) errors.username = 'That username is taken.';
    if (Object.keys(errors).length > 0) {
      res.status(422).render('auth/register', { title: 'Create an account', username: input.username, errors });
      return;
    }
    const user = users.create(input.username, await passwords.hash(input.password));
    if (!user) {
      // Someone took the name while we were hashing.
      res.status(422).render('auth/register', { title: 'Create an account', username: input.username, errors: { username: 'That username is taken.' } });
      return;
    }
    await startSession(req, user, now());
    flash(req, 'success', `Welcome, ${user.username}!`);
    res.redirect(303, '/');
  });

  router.post('/logout', (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie('sid');
      res.redirect(303, '/login?loggedOut=1');
    });
  });

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
