// Moves committed pages from the WAL into the database file, off the event loop; see checkpointer.ts.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new Database(file);
db.pragma('synchronous = NORMAL');

// PASSIVE never waits for the app's connection: it copies what no reader still needs, and a later round
// copies the rest. When the WAL has nothing new it returns without touching the disk.
const timer = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), intervalMs);
parentPort?.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
