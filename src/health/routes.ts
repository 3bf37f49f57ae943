import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'express';
import type { Db } from '../db/open.js';
import type { Logger } from '../log.js';

export const HEALTH_PATH = '/healthz';

type HealthDeps = {
  db: Db;
  /** Where stored images end up, and the folder an upload is written to first. */
  uploadDir: string;
  incomingDir: string;
  modelLoaded: boolean;
  logger: Logger;
};

/**
 * GET /healthz for load balancers: 200 while the database and the upload folder work, else 503. It names
 * each part and nothing else. A missing model stays 200 with "model": false, because the app serves without
 * one (uploads wait for `npm run reclassify`), and taking every server out for it would serve nothing at all.
 */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  const readSchema = deps.db.prepare('SELECT count(*) FROM sqlite_schema');

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
      check('database', () => readSchema.get()),
      check('storage', () => probeStorage(deps.uploadDir, deps.incomingDir)),
    ]);
    const ok = database && storage;
    res.status(ok ? 200 : 503).set('Cache-Control', 'no-store');
    res.json({ status: ok ? 'ok' : 'unavailable', database, storage, model: deps.modelLoaded });
  });

  return router;
}

/**
 * An upload and a download in small: write in the incoming folder, move it into the upload folder, read it there.
 * A leftover from a crash starts with a dot, so it is never taken for an image.
 */
async function probeStorage(uploadDir: string, incomingDir: string): Promise<void> {
  const name = `.health-${randomUUID()}`;
  const written = path.join(incomingDir, name);
  const stored = path.join(uploadDir, name);
  try {
    await writeFile(written, name);
    await rename(written, stored);
    if ((await readFile(stored, 'utf8')) !== name) throw new Error('the upload folder gave back other bytes than written');
  } finally {
    await Promise.all([rm(written, { force: true }), rm(stored, { force: true })]);
  }
}
