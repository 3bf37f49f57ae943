import { Router } from 'express';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { Logger } from '../log.js';
import type { Storage } from '../storage/index.js';

export const HEALTH_PATH = '/healthz';

type HealthDeps = {
  db: Db;
  storage: Storage;
  modelLoaded: boolean;
  logger: Logger;
};

/**
 * GET /healthz for load balancers: 200 while the database and the storage work, else 503. It names
 * each part and nothing else. A missing model stays 200 with "model": false, because the app serves without
 * one (uploads wait for `npm run reclassify`), and taking every server out for it would serve nothing at all.
 */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();

  const check = async (part: string, probe: () => unknown): Promise<boolean> => {
    try {
      await probe();
      return true;
    } catch (err) {
      deps.logger.warn({ err, part }, 'health check failed');
      return false;
    }
  };

  router.get(HEALTH_PATH, async (_req, res) => {
    const [database, storage] = await Promise.all([
      // A real table, so a database file gone or unreadable fails as surely as a server that does not answer.
      check('database', () => sql`SELECT 1 FROM users LIMIT 1`.execute(deps.db.query)),
      // An object written, read back and removed, as an upload and a view would.
      check('storage', () => deps.storage.check()),
    ]);
    const ok = database && storage;
    res.status(ok ? 200 : 503).set('Cache-Control', 'no-store');
    res.json({ status: ok ? 'ok' : 'unavailable', database, storage, model: deps.modelLoaded });
  });

  return router;
}
