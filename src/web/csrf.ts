import { csrfSync } from 'csrf-sync';
import type { Request, RequestHandler } from 'express';

/** Routes that read multipart bodies with multer and call `isCsrfValid` themselves once the fields are in. */
const SELF_CHECKING_MULTIPART = new Set(['POST /images']);

/**
 * Synchronizer tokens kept in the session: forms send `_csrf`, scripts send `X-CSRF-Token`.
 * Multipart bodies are not parsed yet when this runs, so the upload route checks them itself
 * (see `isCsrfValid`) once multer has read the fields.
 */
const csrf = csrfSync({
  getTokenFromRequest: (req) => {
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

export const csrfProtection: RequestHandler = csrf.csrfSynchronisedProtection;
export const isCsrfValid = (req: Request): boolean => csrf.isRequestValid(req);
export const csrfInvalidError = csrf.invalidCsrfTokenError;

/** Puts the session's token (made on first use) where every view can reach it. */
export const exposeCsrfToken: RequestHandler = (req, res, next) => {
  res.locals.csrfToken = csrf.generateToken(req);
  next();
};
