import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { Metrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

// Digests of equal length, so the comparison takes the same time whatever was sent (any length, any characters).
const digest = (text: string) => createHash('sha256').update(text).digest();
const sameToken = (given: string, token: string) => timingSafeEqual(digest(given), digest(token));

/** GET /metrics in Prometheus' text format, for `Authorization: Bearer <METRICS_TOKEN>` only. */
export function metricsRoutes(metrics: Metrics, token: string): Router {
  const router = Router();
  router.get(METRICS_PATH, async (req, res) => {
    const given = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
    res.set('Cache-Control', 'no-store');
    if (!sameToken(given, token)) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').type('text/plain').send('Send the metrics token: Authorization: Bearer <METRICS_TOKEN>\n');
      return;
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}

/** Each answer's duration under its route's pattern (not its URL, so ids do not make a series each). */
export function measureRequests(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.requestSeconds.startTimer();
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : req.baseUrl || 'unmatched';
      stop({ method: req.method, route, status: res.statusCode });
    });
    next();
  };
}
