import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { rangeResponse, type Storage } from '../storage/index.js';

/**
 * Answers a GET or HEAD with a stored object, through the app (so every byte passes the access check the route
 * made): 200, 206 for one byte range, 416 for a range past the end, 304 when the browser's copy is current.
 * Resolves false when there is no such object, for the route to answer its 404.
 */
export async function sendStored(req: Request, res: Response, storage: Storage, key: string, attachment?: string): Promise<boolean> {
  const found = await storage.stream(key, rangeAsked(req));
  if (!found) return false;
  if (attachment) res.attachment(attachment);
  const { status, headers } = rangeResponse(found);
  // Revalidated on every use, so an image made private stops showing from caches too.
  res.set(headers).set({ 'Cache-Control': 'private, no-cache', 'X-Content-Type-Options': 'nosniff' });
  if (found.unsatisfiable) {
    res.status(416).end();
    return true;
  }
  if (req.fresh || req.method === 'HEAD') {
    found.body.destroy();
    res.status(req.fresh ? 304 : status).end();
    return true;
  }
  res.status(status);
  try {
    await pipeline(found.body, res);
  } catch (err) {
    // A viewer who closes the tab mid-download is no error; a storage that fails mid-object is.
    if (!req.destroyed && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') req.log.error({ err }, 'sending a stored object failed');
  }
  return true;
}

/** The Range header, unless If-Range names another version of the object (then the whole object is sent). */
function rangeAsked(req: Request): string | undefined {
  const range = req.get('range');
  const ifRange = req.get('if-range');
  return range && !ifRange ? range : undefined;
}
