import type { Db } from '../db/index.js';
import { runAlone } from '../db/run-alone.js';
import { repeatInBackground } from '../repeat.js';
import type { Logger } from '../log.js';
import type { Storage } from '../storage/index.js';
import type { ImagesRepo } from '../images/images-repo.js';
import { removeDeletedFiles } from '../images/storage.js';
import { TRASH_MS, type TrashRepo } from './trash-repo.js';

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
  const purged = await runAlone(db, 'purge', async () => {
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

/** Purges now and every hour. */
export function startTrashPurger(deps: Deps): { stop(): Promise<void> } {
  return repeatInBackground(async () => {
    const purged = await purgeTrash(deps);
    if (purged > 0) deps.logger.info({ images: purged }, 'deleted images kept 30 days in the trash');
  }, PURGE_EVERY_MS, (err) => deps.logger.error({ err }, 'emptying old trash failed'));
}
