import type { ErrorRequestHandler, RequestHandler } from 'express';
import { notFound, toHttpError } from '../errors.js';
import { wantsJson } from './wants-json.js';

export const notFoundHandler: RequestHandler = () => {
  throw notFound('There is no page at this address.');
};

/** Known errors show their message; anything else is logged with its stack and shown as a generic 500. */
export const errorHandler: ErrorRequestHandler = (err, req, res, next) => {
  const error = toHttpError(err);
  if (error.status >= 500) req.log.error({ err }, 'request failed');
  if (res.headersSent) return next(err);
  res.status(error.status);
  if (error.status === 503 && !res.get('Retry-After')) res.set('Retry-After', '30');
  const message = error.expose ? error.message : 'Something went wrong on our side. Please try again.';
  if (wantsJson(req)) {
    res.json({ error: message });
    return;
  }
  res.render('errors/error', { title: error.status === 404 ? 'Not found' : 'Error', status: error.status, message });
};
