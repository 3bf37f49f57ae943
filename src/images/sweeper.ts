import type { Db } from '../db/index.js';
import { runAlone } from '../db/run-alone.js';
import { repeatInBackground } from '../repeat.js';
import type { Logger } from '../log.js';
import type { Storage } from '../storage/index.js';
import type { ImagesRepo } from './images-repo.js';
import { sweepPending } from './storage.js';

/**
 * On a database several servers share, a pending record may belong to an upload still running on another
 * server (it records its objects before it writes them), so only records this old are swept: a file's
 * objects are written within seconds of its record.
 */
export const SHARED_SWEEP_GRACE_MS = 60 * 60 * 1000;
const SWEEP_EVERY_MS = 10 * 60 * 1000;

type Deps = { db: Db; storage: Storage; images: ImagesRepo; logger: Logger; now?: () => number };

/** One sweep of old pending records, by one server at a time; resolves with how many went (0 when another server sweeps). */
export async function sweepShared({ db, storage, images, now = Date.now }: Deps): Promise<number> {
  return (await runAlone(db, 'sweep', () => sweepPending(storage, images, now() - SHARED_SWEEP_GRACE_MS))) ?? 0;
}

/**
 * Sweeps now and every ten minutes, so what a killed server left goes within about an hour, restart or not.
 */
export function startSharedSweeper(deps: Deps): { stop(): Promise<void> } {
  return repeatInBackground(async () => {
    const swept = await sweepShared(deps);
    if (swept > 0) deps.logger.warn({ images: swept }, 'removed the files of uploads and deletes that never finished');
  }, SWEEP_EVERY_MS, (err) => deps.logger.error({ err }, 'sweeping unfinished uploads failed'));
}
