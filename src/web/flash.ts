import type { Request, RequestHandler } from 'express';
import type { SessionData } from 'express-session';

/**
 * A one-time message carried across the redirect that follows a successful POST, stored before it resolves.
 * express-session saves a changed session only as the response ends, after it has written the headers (so by
 * design: expressjs/session#704), and a browser follows a redirect on its headers: the next page could read
 * the session before the message was in it, and show none.
 */
export function flash(req: Request, kind: SessionData['flash']['kind'], text: string): Promise<void> {
  req.session.flash = { kind, text };
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

/**
 * The message goes to the next page rendered, and only to a page the user opens: a thumbnail, file or JSON
 * request made meanwhile (the previous page's images still loading, say) would otherwise take it, and the
 * page after the redirect would show none. A render with a callback is a fragment (a card for JSON), not a
 * page; an error page answering an <img> (Sec-Fetch-Dest: image, as browsers send) is not one the user sees.
 */
export const exposeFlash: RequestHandler = (req, res, next) => {
  const render = res.render.bind(res) as (...args: unknown[]) => void;
  const dest = req.get('Sec-Fetch-Dest');
  const opened = dest === undefined || dest === 'document' || dest === 'iframe';
  res.render = ((...args: unknown[]) => {
    const fragment = typeof args.at(-1) === 'function';
    if (opened && !fragment && req.session?.flash) {
      res.locals.flash = req.session.flash;
      delete req.session.flash;
    }
    render(...args);
  }) as typeof res.render;
  next();
};
