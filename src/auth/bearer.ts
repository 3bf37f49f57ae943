import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, type Options, type Store } from 'express-rate-limit';
import { wantsJson } from '../web/wants-json.js';
import type { ApiTokensRepo, TokenHolder } from './api-tokens.js';

/** Unknown, revoked or expired tokens from one address per window, as many as a person mistyping would send. */
export const MAX_BAD_TOKENS = 20;
const BAD_TOKEN_WINDOW_MS = 15 * 60 * 1000;

/** Where the files are served: a script may fetch them with a token, as it fetches JSON. */
const FILE_ROUTE = /^\/images\/[^/]+\/(file|thumb|download)$|^\/trash\/[^/]+\/thumb$|^\/selection\/download$/;
/** A read sent as a POST (a selection's ids do not fit in a URL): a read token may make it. */
const READ_BY_POST = '/selection/download';

/** The token a request was authenticated with, for the handlers after bearerAuth. */
const tokenHolder = (res: Response): TokenHolder | undefined => res.locals.token as TokenHolder | undefined;

const refuse = (res: Response, status: number, error: string, challenge?: string) => {
  if (challenge) res.set('WWW-Authenticate', challenge);
  res.status(status).set('Cache-Control', 'no-store').json({ error });
};

/**
 * `Authorization: Bearer <token>` for scripts. A request carrying a good token is the token's user: it needs
 * no session and no CSRF token, since no cookie is involved and so no other site can make a browser send it.
 * Tokens work on the JSON API and the file routes only, never on an HTML page or form (the account page that
 * makes tokens among them); a read token only reads. Bad tokens count per address, in the database so every
 * server shares the count, and past MAX_BAD_TOKENS the address waits for the window to end.
 */
export function bearerAuth({ tokens, badTokens }: { tokens: ApiTokensRepo; badTokens: Store }): RequestHandler {
  badTokens.init?.({ windowMs: BAD_TOKEN_WINDOW_MS } as Options);
  const address = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');
  return async (req, res, next) => {
    const [scheme, secret] = (req.get('authorization') ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer') return next();
    if (!wantsJson(req) && !FILE_ROUTE.test(req.path)) {
      return refuse(res, 406, 'API tokens work on the JSON API only: send Accept: application/json.');
    }
    const seen = await badTokens.get?.(address(req));
    if (seen && seen.totalHits >= MAX_BAD_TOKENS) {
      const seconds = Math.max(1, Math.ceil(((seen.resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000));
      res.set('Retry-After', String(seconds));
      return refuse(res, 429, `Too many bad API tokens from your network. Wait ${Math.ceil(seconds / 60)} minutes and try again.`);
    }
    const holder = await tokens.authenticate(secret ?? '');
    if (!holder) {
      await badTokens.increment(address(req));
      return refuse(res, 401, 'The API token is unknown, revoked or expired.', 'Bearer error="invalid_token"');
    }
    if (holder.scope === 'read' && req.method !== 'GET' && req.method !== 'HEAD' && req.path !== READ_BY_POST) {
      return refuse(res, 403, 'This token may only read: make a read-write token to change images.', 'Bearer error="insufficient_scope"');
    }
    res.locals.token = holder;
    res.locals.user = holder.user;
    next();
  };
}

/** Runs `middleware` only for requests without a token: the session, CSRF and the HTML-only routes. */
export const unlessToken = (middleware: RequestHandler): RequestHandler => (req, res, next) =>
  tokenHolder(res) ? next() : middleware(req, res, next);

/** For the HTML forms (login, registration, the account page): a token is refused here, never used. */
export const refuseTokens: RequestHandler = (_req, res, next) => {
  if (!tokenHolder(res)) return next();
  refuse(res, 403, 'API tokens cannot be used here: this is a page for people, behind a login.');
};
