import { doubleCsrf, type CsrfRequestValidator } from 'csrf-csrf';
import type { Request, RequestHandler, Response } from 'express';

/** Routes that read multipart bodies with multer and call `isCsrfValid` themselves once the fields are in. */
const SELF_CHECKING_MULTIPART = new Set(['POST /images']);

/** What the check throws; the error mapper turns its code into a 403. */
export const csrfInvalidError = Object.assign(new Error('invalid csrf token'), { code: 'EBADCSRFTOKEN' });

const validators = new WeakMap<Request, CsrfRequestValidator>();

/** A token for the session a request has now. */
export type CsrfTokenFor = (req: Request, res: Response) => string;

/**
 * Signed double-submit tokens (csrf-csrf): the token is an HMAC, kept in an httpOnly cookie and repeated by
 * forms (`_csrf`) or scripts (`X-CSRF-Token`). A signed-in user's token is bound to their session id; an
 * anonymous visitor's to nothing but its random half, so showing the login page stores no session row.
 * Multipart bodies are not parsed yet when the check runs, so the upload route checks them itself
 * (see `isCsrfValid`) once multer has read the fields.
 */
export function createCsrf(opts: { secret: string; secure: boolean }): { protection: RequestHandler; exposeToken: RequestHandler; tokenFor: CsrfTokenFor } {
  const csrf = doubleCsrf({
    getSecret: () => opts.secret,
    getSessionIdentifier: (req) => (req.session?.userId !== undefined ? req.sessionID : ''),
    // __Host- makes the browser refuse the cookie from a sibling subdomain or over plain HTTP.
    cookieName: opts.secure ? '__Host-csrf' : 'csrf',
    cookieOptions: { sameSite: 'lax', secure: opts.secure, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) => {
      const header = req.get('x-csrf-token');
      if (header) return header;
      const body = req.body as Record<string, unknown> | undefined;
      return typeof body?._csrf === 'string' ? body._csrf : undefined;
    },
    // Only where a route checks the token itself: skipping every multipart body let a cross-site
    // <form enctype="multipart/form-data"> delete images or log people out without a token.
    skipCsrfProtection: (req) =>
      SELF_CHECKING_MULTIPART.has(`${req.method} ${req.path}`) && req.is('multipart/form-data') === 'multipart/form-data',
  });
  return {
    protection: (req, res, next) => {
      validators.set(req, csrf.validateRequest);
      csrf.doubleCsrfProtection(req, res, next);
    },
    /** Puts the token (reused while its cookie stays valid) where every view can reach it. */
    exposeToken: (req, res, next) => {
      res.locals.csrfToken = csrf.generateCsrfToken(req, res);
      next();
    },
    /** A new token for the session the request has now (after a login, not the one it came with). */
    tokenFor: (req, res) => csrf.generateCsrfToken(req, res, { overwrite: true }),
  };
}

/**
 * A request authenticated by an API token (res.locals.token, set by auth/bearer.ts) needs none: it carries no
 * cookie, so no other site can make a browser send it. Every other one needs its token.
 */
export const isCsrfValid = (req: Request): boolean => req.res?.locals.token !== undefined || (validators.get(req)?.(req) ?? false);
