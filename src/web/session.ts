import session from 'express-session';
import type { RequestHandler } from 'express';
import type { Db } from '../db/index.js';
import type { Logger } from '../log.js';
import { DatabaseSessionStore } from './session-store.js';

/** Sessions end this long after login, however active the user is (absolute, not rolling). */
export const SESSION_LIFETIME_MS = 30 * 60 * 1000;
const SWEEP_EVERY_MS = 10 * 60 * 1000;

declare module 'express-session' {
  interface SessionData {
    userId: number;
    loginAt: number;
    flash: { kind: 'success' | 'error'; text: string };
  }
}

export type SessionSetup = { middleware: RequestHandler; store: DatabaseSessionStore; stop: () => void };

/** The store keeps real time, like the cookie's expiry that express-session computes; absolute expiry is `loadUser`'s job. */
export function createSession(opts: { db: Db; secret: string; secure: boolean; logger: Logger }): SessionSetup {
  const store = new DatabaseSessionStore(opts.db);
  const sweep = () => void store.sweep().catch((err: unknown) => opts.logger.error({ err }, 'sweeping expired sessions failed'));
  sweep();
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();
  const middleware = session({
    name: 'sid',
    secret: opts.secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: opts.secure, maxAge: SESSION_LIFETIME_MS },
  });
  return { middleware, store, stop: () => clearInterval(timer) };
}
