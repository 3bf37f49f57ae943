import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-thread.js';
import type { PasswordJob, PasswordReply, PasswordRequest } from './password-worker.js';

/** No thread can take the work now (all busy and the queue full, or the thread died): worth trying again soon. */
export class PasswordsBusy extends Error {
  constructor(readonly reason: 'queue-full' | 'thread-stopped', cause?: Error) {
    super(reason === 'queue-full' ? 'every password thread is busy and the queue is full' : 'the password thread stopped', { cause });
  }
}

type Pending = { job: PasswordJob; resolve: (value: string | boolean) => void; reject: (err: Error) => void };
type Thread = { worker: Worker; ready: boolean; started: Promise<void>; running?: Pending & { id: number }; crash?: Error };

export type PasswordThreads = {
  run(job: PasswordJob): Promise<string | boolean>;
  /** Resolves once every thread is up or has given up starting. */
  started(): Promise<void>;
  close(): Promise<void>;
};

/**
 * bcrypt in `size` worker threads of its own. Its async API runs on libuv's pool, whose four threads also do
 * every file read of res.sendFile: a login flood made other people's thumbnails wait seconds (see README).
 * At most `maxWaiting` jobs wait for a thread; more fail at once as busy. A thread that dies fails only the job
 * it was running and is replaced when work waits (or comes); if no thread is left, the waiting jobs fail rather
 * than wait for ever. An idle pool keeps no process alive.
 */
export function startPasswordThreads(opts: { cost: number; size: number; maxWaiting: number }): PasswordThreads {
  const threads = new Set<Thread>();
  const waiting: Pending[] = [];
  let nextId = 1;
  let closed = false;

  const dispatch = () => {
    for (const thread of threads) {
      if (waiting.length === 0) break;
      if (!thread.ready || thread.running) continue;
      thread.running = { ...waiting.shift()!, id: nextId++ };
      thread.worker.postMessage({ ...thread.running.job, id: thread.running.id } satisfies PasswordRequest);
    }
    // Only threads that are up and have nothing to do may let the process end; closing ones are waited for.
    const busy = closed || waiting.length > 0 || [...threads].some((t) => t.running || !t.ready);
    for (const thread of threads) (busy ? thread.worker.ref() : thread.worker.unref());
  };

  const fail = (jobs: Pending[], err: Error) => jobs.forEach((job) => job.reject(err));

  const spawnMissing = () => {
    while (!closed && threads.size < opts.size) spawn();
  };

  const spawn = () => {
    const worker = startWorker(import.meta.url, 'password-worker', { cost: opts.cost });
    const started = new Promise<void>((resolve) => {
      worker.once('message', () => resolve()); // its first message says it is ready
      worker.once('exit', () => resolve());
    });
    const thread: Thread = { worker, ready: false, started };
    threads.add(thread);
    worker.on('message', (reply: PasswordReply) => {
      if (reply.type === 'ready') thread.ready = true;
      else if (thread.running?.id === reply.id) {
        const { resolve, reject } = thread.running;
        thread.running = undefined;
        if (reply.type === 'done') resolve(reply.value);
        else reject(new Error(`password hashing failed: ${reply.message}`));
      }
      dispatch();
    });
    worker.on('error', (err) => (thread.crash = err));
    worker.on('exit', () => {
      threads.delete(thread);
      thread.running?.reject(closed ? new Error('the password threads were closed') : new PasswordsBusy('thread-stopped', thread.crash));
      // A thread that never started says nothing good about the next one: only new work tries again.
      if (thread.ready && waiting.length > 0) spawnMissing();
      if (threads.size === 0) fail(waiting.splice(0), new PasswordsBusy('thread-stopped', thread.crash));
      dispatch();
    });
  };

  // At once rather than at the first login: server.ts then starts them before it lowers the background threads'
  // priority, and the first login costs what every other does.
  spawnMissing();
  dispatch();
  return {
    run: (job) =>
      new Promise((resolve, reject) => {
        if (closed) return reject(new Error('the password threads were closed'));
        const pending: Pending = { job, resolve, reject };
        waiting.push(pending);
        spawnMissing();
        dispatch();
        if (waiting.length > opts.maxWaiting && waiting.at(-1) === pending) {
          waiting.pop();
          reject(new PasswordsBusy('queue-full'));
        }
      }),
    started: async () => void (await Promise.all([...threads].map((thread) => thread.started))),
    close: async () => {
      closed = true;
      fail(waiting.splice(0), new Error('the password threads were closed'));
      dispatch(); // references every thread, so that a process shutting down waits for their exit
      await Promise.all([...threads].map((thread) => thread.worker.terminate()));
    },
  };
}
