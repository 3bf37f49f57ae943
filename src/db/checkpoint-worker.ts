// Moves committed pages from the WAL into the database file, off the event loop; see checkpointer.ts.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new Database(file);
db.pragma('synchronous = NORMAL');

// PASSIVE never waits for the app's connection: it copies what no reader still needs, and a later round
// copies the rest. When the WAL has nothing new it returns without touching the disk.
// A failing round (a full disk, say) is tried again next time; only a run of them ends the worker, and
// the app then checkpoints by itself.
const GIVE_UP_AFTER = 10;
let failuresInARow = 0;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failuresInARow = 0;
  } catch (err) {
    if (++failuresInARow >= GIVE_UP_AFTER) throw err;
  }
}, intervalMs);
parentPort?.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
