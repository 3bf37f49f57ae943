import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';

/**
 * How far below the event loop the image work runs. At nice +10 a thread gets about a tenth of the CPU
 * share of a nice-0 thread it competes with, so a request never waits behind decoding or inference.
 */
const BACKGROUND_NICE_STEP = 10;
const LOWEST = 19;

/**
 * During an upload, sharp (on libuv's thread pool and libvips's own threads) and the classifier workers keep
 * both cores busy; at equal priority the event loop queued behind them (GET /login p99 31 ms during a
 * 100-image upload, 18 ms with this). Linux keeps a nice value per thread (setpriority(2), NOTES) and a
 * new thread inherits its creator's, so lowering every thread but this one also lowers those the thread
 * pool starts later. Elsewhere nice is per process and this does nothing. Returns how many threads it lowered.
 */
export async function lowerBackgroundThreads(): Promise<number> {
  if (process.platform !== 'linux') return 0;
  await stat('.'); // libuv starts its thread pool on first use: make sure those threads exist now
  const target = Math.min(LOWEST, os.getPriority() + BACKGROUND_NICE_STEP);
  let lowered = 0;
  for (const name of await readdir('/proc/self/task')) {
    const tid = Number(name);
    if (tid === process.pid) continue; // the main thread: the event loop
    if (lowerThread(tid, target)) lowered++;
  }
  return lowered;
}

/** For a worker thread started after lowerBackgroundThreads(): on Linux, pid 0 is the calling thread. */
export function lowerThisThread(): void {
  if (process.platform !== 'linux') return;
  lowerThread(0, Math.min(LOWEST, os.getPriority() + BACKGROUND_NICE_STEP));
}

function lowerThread(tid: number, nice: number): boolean {
  try {
    if (os.getPriority(tid) < nice) os.setPriority(tid, nice);
    return true;
  } catch {
    return false; // the thread ended meanwhile
  }
}
