import type { Db } from '../db/index.js';
import { runAlone } from '../db/run-alone.js';
import type { Logger } from '../log.js';
import type { ImagesRepo } from './images-repo.js';

const RANK_LOCK = 5_106_203;
const BATCH = 200;
const LOOK_EVERY_MS = 10 * 60 * 1000;

/**
 * Ranks the images whose search terms predate strengths (a library upgraded past migration 012, or an
 * upload through a server still on older code): their terms are rewritten from their stored labels, a
 * batch at a time, by one server at a time. Resolves with how many were ranked.
 */
export async function rankStale(db: Db, images: ImagesRepo, stopping = () => false): Promise<number> {
  return (await runAlone(db, RANK_LOCK, async () => {
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
  let running: Promise<void> | undefined;
  let stopped = false;
  const look = () => {
    if (running || stopped) return;
    running = rankStale(deps.db, deps.images, () => stopped).then(
      (ranked) => void (ranked > 0 && deps.logger.info({ images: ranked }, 'ranked the search terms of images stored before ranking')),
      (err: unknown) => deps.logger.error({ err }, 'ranking older images failed'),
    ).finally(() => (running = undefined));
  };
  look();
  const timer = setInterval(look, LOOK_EVERY_MS);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
