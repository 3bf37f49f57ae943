import type { Db } from '../db/index.js';
import { runAlone } from '../db/run-alone.js';
import type { Logger } from '../log.js';
import type { Storage } from '../storage/index.js';
import type { ImagesRepo } from '../images/images-repo.js';
import { removeDeletedFiles } from '../images/storage.js';
import { TRASH_MS, type TrashRepo } from './trash-repo.js';

const PURGE_LOCK = 5_106_203;
const PURGE_EVERY_MS = 60 * 60 * 1000;
// Images per transaction: a month of a big library's deletes goes in steps, each short for the database.
const PURGE_BATCH = 500;

type Deps = { db: Db; trash: TrashRepo; images: Pick<ImagesRepo, 'clearPending'>; storage: Storage; logger: Logger; now?: () => number };

/**
 * Deletes for good what has been in a trash for 30 days, by one server at a time: each batch's rows first,
 * its files recorded as pending in the same transaction, then the files (what fails is left to the sweep).
 * Resolves with how many went (0 when another server purges).
 */
export async function purgeTrash({ db, trash, images, storage, logger, now = Date.now }: Deps): Promise<number> {
  const purged = await runAlone(db, PURGE_LOCK, async () => {
    let total = 0;
    for (;;) {
      const at = now();
      const gone = await trash.purge(at - TRASH_MS, at, PURGE_BATCH);
      await removeDeletedFiles(storage, images, gone, logger);
      total += gone.length;
      if (gone.length < PURGE_BATCH) return total;
    }
  });
  return purged ?? 0;
}

/** Purges now and every hour. stop() resolves once a purge under way has finished, as the sweeper's does. */
export function startTrashPurger(deps: Deps): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const purge = () => {
    if (running) return;
    running = purgeTrash(deps).then(
      (purged) => void (purged > 0 && deps.logger.info({ images: purged }, 'deleted images kept 30 days in the trash')),
      (err: unknown) => deps.logger.error({ err }, 'emptying old trash failed'),
    ).finally(() => (running = undefined));
  };
  purge();
  const timer = setInterval(purge, PURGE_EVERY_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
