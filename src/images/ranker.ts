import type { Db } from '../db/index.js';
import { runAlone } from '../db/run-alone.js';
import { repeatInBackground } from '../repeat.js';
import type { Logger } from '../log.js';
import type { ImagesRepo } from './images-repo.js';

const BATCH = 200;
const LOOK_EVERY_MS = 10 * 60 * 1000;

/**
 * Ranks the images whose search terms predate strengths (a library upgraded past migration 012, or an
 * upload through a server still on older code): their terms are rewritten from their stored labels, a
 * batch at a time, by one server at a time. Resolves with how many were ranked.
 */
export async function rankStale(db: Db, images: ImagesRepo, stopping = () => false): Promise<number> {
  return (await runAlone(db, 'rank', async () => {
    let ranked = 0;
    while (!stopping()) {
      const n = await images.rankStale(BATCH);
      if (n === 0) break;
      ranked += n;
    }
    return ranked;
  })) ?? 0;
}

/** In the background: now, then every ten minutes. stop() waits for a batch under way, so the database closes after it. */
export function startRanker(deps: { db: Db; images: ImagesRepo; logger: Logger }): { stop(): Promise<void> } {
  return repeatInBackground(async (stopping) => {
    const ranked = await rankStale(deps.db, deps.images, stopping);
    if (ranked > 0) deps.logger.info({ images: ranked }, 'ranked the search terms of images stored before ranking');
  }, LOOK_EVERY_MS, (err) => deps.logger.error({ err }, 'ranking older images failed'));
}
