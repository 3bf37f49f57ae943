import type { Logger } from '../log.js';
import { startWorker } from '../worker-thread.js';
import type BetterSqlite3 from 'better-sqlite3';

/** SQLite's own default: a checkpoint once the WAL holds 1,000 pages. */
const AUTO_CHECKPOINT_PAGES = 1000;

/**
 * SQLite checkpoints inside whichever commit takes the WAL past 1,000 pages, so on the event loop, and ends
 * with fsyncs: 9-10 ms on this machine during an upload (strace of the main thread), three times per
 * 100-image upload. As SQLite's WAL documentation suggests for applications that want to avoid that
 * latency, automatic checkpoints are turned off and a worker thread with its own connection runs them.
 * Should the worker fail, the app's connection goes back to checkpointing itself.
 */
export function startCheckpointer(db: BetterSqlite3.Database, file: string, logger: Logger, intervalMs = 1000): { stop(): Promise<void> } {
  db.pragma('wal_autocheckpoint = 0');
  const worker = startWorker(import.meta.url, 'checkpoint-worker', { file, intervalMs });
  let stopping = false;
  let failure: Error | undefined;
  worker.on('error', (err) => (failure = err));
  // However the worker ends, the app's connection checkpoints by itself from then on.
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      if (!stopping) logger.error({ err: failure, code }, 'the checkpoint worker stopped; the app checkpoints the database itself');
      if (db.open) db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
      resolve();
    }),
  );
  return {
    stop: async () => {
      stopping = true;
      worker.postMessage('stop');
      await exited;
    },
  };
}
