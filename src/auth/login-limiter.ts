import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { field } from './validation.js';

const WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILED_LOGINS = 10;

/**
 * Counts failed logins per username and client address; a successful login (a redirect) is not counted.
 * Keying on both means an attacker cannot lock a user out from elsewhere, nor spray one address over many names.
 */
export function loginLimiter() {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: MAX_FAILED_LOGINS,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? 'unknown')}|${field(req.body, 'username').toLowerCase()}`,
    handler: (req, res) => {
      res.status(429).render('auth/login', {
        title: 'Log in',
        username: field(req.body, 'username', 32),
        next: field(req.body, 'next', 2000),
        error: `Too many failed logins. Wait ${WINDOW_MS / 60000} minutes and try again.`,
        notice: undefined,
      });
    },
  });
}
