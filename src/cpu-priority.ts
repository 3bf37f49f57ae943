import { readdirSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import os from 'node:os';

/**
 * How far below the event loop the image work runs. At nice +10 a thread gets about a tenth of the CPU
 * share of a nice-0 thread it competes with, so a request never waits behind decoding or inference.
 */
const BACKGROUND_NICE_STEP = 10;
const LOWEST = 19;
const POOL_SEARCH_MS = 5_000;

/**
 * The threads that exist when this module loads (server.ts imports it first): the main thread and V8's
 * platform helpers. They keep the event loop's priority, since it waits for the helpers in every garbage
 * collection (lowered too, its mark-compact pauses during an upload grew to 20-45 ms).
 */
const STARTUP_THREADS = startupThreads();

/** Undefined where threads cannot be listed (not Linux, or no /proc): priorities are then left alone. */
function startupThreads(): Set<number> | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return new Set(readdirSync('/proc/self/task').map(Number));
  } catch {
    return undefined;
  }
}

/**
 * During an upload, sharp (on libuv's thread pool and libvips's own threads) and the classifier workers keep
 * both cores busy; at equal priority the event loop queued behind them (GET /login p99 31 ms during a
 * 100-image upload, 18 ms with this). Linux keeps a nice value per thread (setpriority(2), NOTES) and a new
 * thread inherits its creator's: lowering libuv's pool also lowers the libvips threads it starts later.
 * Lowers libuv's pool and every thread started since this module loaded; elsewhere (nice is per process)
 * or without /proc it does nothing. Returns how many threads it lowered.
 */
export async function lowerBackgroundThreads(): Promise<number> {
  if (!STARTUP_THREADS) return 0;
  try {
    const pool = await threadPoolIds();
    const target = Math.min(LOWEST, os.getPriority() + BACKGROUND_NICE_STEP);
    let lowered = 0;
    for (const name of await readdir('/proc/self/task')) {
      const tid = Number(name);
      if (STARTUP_THREADS.has(tid) && !pool.has(tid)) continue;
      if (lowerThread(tid, target)) lowered++;
    }
    return lowered;
  } catch {
    return 0; // a /proc without thread-self: an optimisation is lost, nothing else
  }
}

/**
 * The ids of libuv's pool threads: /proc/thread-self names the thread that reads it, and a readlink runs on
 * a pool thread. Asked in rounds until every thread of the pool has answered (the pool starts them all at
 * its first job; a loader such as tsx may have started it before this module loaded). Bounded by time, not
 * by a count of rounds: a pool thread busy with a long job (the model's files, on a loaded machine) answers
 * only once it is done, and one left out would start libvips threads at the event loop's priority.
 */
async function threadPoolIds(): Promise<Set<number>> {
  const size = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const ids = new Set<number>();
  for (const until = Date.now() + POOL_SEARCH_MS; ids.size < size && Date.now() < until; ) {
    const links = await Promise.all(Array.from({ length: size * 4 }, () => readlink('/proc/thread-self')));
    for (const link of links) ids.add(Number(link.split('/').pop()));
  }
  return ids;
}

/** For a worker thread started after lowerBackgroundThreads(): on Linux, pid 0 is the calling thread. */
export function lowerThisThread(): void {
  if (!STARTUP_THREADS) return;
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
