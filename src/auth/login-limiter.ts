import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Options, type Store } from 'express-rate-limit';
import { refuseLogin, refuseRegistration } from './refusals.js';
import { loginUsername } from './validation.js';

const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** Failed logins per name from one address: someone who forgot a password; nobody elsewhere can lock the name out. */
export const MAX_FAILED_LOGINS = 10;
/**
 * Failed logins from one address over all names: a spray across names (each one a bcrypt) stops here, while
 * ten people behind one NAT could each use up their own per-name allowance before anyone is held up.
 */
export const MAX_FAILED_LOGINS_PER_ADDRESS = 100;

const REGISTRATION_WINDOW_MS = 60 * 60 * 1000;
/** Accounts created from one address per hour: a household or an office signing up, not a script. */
export const REGISTRATIONS_PER_ADDRESS = 20;

/** req.ip is the socket's peer unless `trust proxy` says which X-Forwarded-For entry to believe (see README). */
const address = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');

const minutesLeft = (req: Request) => {
  const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  const minutes = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now()) - Date.now()) / 60_000));
  return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
};

// Retry-After comes with every refusal (express-rate-limit sets it from the window when standard headers are on).
const common = { standardHeaders: 'draft-8', legacyHeaders: false } satisfies Partial<Options>;

/** Where a limiter keeps its counts: one store per limiter, its keys under `prefix` (see rate-limit-store.ts). */
export type LimitStores = (prefix: string) => Store;

/**
 * What counts is a login that did not sign in, the over-long passwords and 429s among them; a 503 (no thread was
 * free to check the password) checked nothing and does not count. Counts start at arrival, so a burst of
 * concurrent attempts cannot slip past the limit while the first ones are still being hashed.
 */
const loginLimit = (store: Store, limit: number, key: (req: Request) => string, message: (req: Request) => string) =>
  rateLimit({
    ...common,
    store,
    windowMs: LOGIN_WINDOW_MS,
    limit,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req: Request, res: Response) => res.statusCode < 400 || res.statusCode === 503,
    keyGenerator: key,
    handler: (req: Request, res: Response) => refuseLogin(req, res, 429, message(req)),
  });

/** Failed logins per address, then per address and name as the lookup reads it (case-insensitive, like the lookup). */
export function loginLimiters(stores: LimitStores): RequestHandler[] {
  return [
    loginLimit(stores('login-address:'), MAX_FAILED_LOGINS_PER_ADDRESS, address,
      (req) => `Too many failed logins from your network. Wait ${minutesLeft(req)} and try again.`),
    loginLimit(stores('login-name:'), MAX_FAILED_LOGINS, (req) => `${address(req)}|${loginUsername(req.body).toLowerCase()}`,
      (req) => `Too many failed logins. Wait ${minutesLeft(req)} and try again.`),
  ];
}

/** Accounts made per address; a form refused for its input (nothing hashed, nothing written) does not count. */
export function registrationLimiter(stores: LimitStores): RequestHandler {
  return rateLimit({
    ...common,
    store: stores('register:'),
    windowMs: REGISTRATION_WINDOW_MS,
    limit: REGISTRATIONS_PER_ADDRESS,
    skipFailedRequests: true,
    keyGenerator: address,
    handler: (req: Request, res: Response) =>
      refuseRegistration(req, res, 429, `Too many new accounts from your network. Wait ${minutesLeft(req)} and try again.`),
  });
}
