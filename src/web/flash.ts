import type { Request, RequestHandler } from 'express';
import type { SessionData } from 'express-session';

/** A one-time message carried across the redirect that follows a successful POST. */
export function flash(req: Request, kind: SessionData['flash']['kind'], text: string): void {
  req.session.flash = { kind, text };
}

export const exposeFlash: RequestHandler = (req, res, next) => {
  res.locals.flash = req.session?.flash;
  if (req.session?.flash) delete req.session.flash;
  next();
};
