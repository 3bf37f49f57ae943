import type { Worker } from 'node:worker_threads';
import type { S3Config } from '../config.js';
import { startWorker } from '../worker-thread.js';
import type { S3_DEFAULTS, S3StorageOptions } from './s3-client.js';
import { StorageUnavailable } from './storage.js';

export type PutRequest = { id: number; key: string; fromLocalPath: string; contentType: string };
export type PutReply = { id: number; error?: { message: string; unavailable: boolean } } | { warn: object; id?: undefined };

/**
 * Puts on a worker thread of their own, started at the first put. Streaming a file through the event loop's
 * heap made V8 collect it about once per 10 MB sent, and those pauses were the slowest requests during an
 * upload to S3 (see README, Benchmarks, figure 8b).
 */
export function s3PutThread(config: S3Config, opts: typeof S3_DEFAULTS & S3StorageOptions) {
  let worker: Worker | undefined;
  let nextId = 0;
  const waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();

  const settle = (id: number, error?: Error) => {
    const call = waiting.get(id);
    if (!call) return;
    waiting.delete(id);
    if (waiting.size === 0) worker?.unref(); // an idle thread does not keep the process alive
    if (error) call.reject(error);
    else call.resolve();
  };

  function started(): Worker {
    if (worker) return worker;
    const { logger, ...numbers } = opts;
    const thread = startWorker(import.meta.url, 's3-put-worker', { config, opts: numbers });
    thread.on('message', (reply: PutReply) => {
      if (reply.id === undefined) return logger?.warn(reply.warn, 'S3 client warning');
      const { error } = reply;
      settle(reply.id, error && (error.unavailable ? new StorageUnavailable(error.message) : new Error(error.message)));
    });
    // A thread that dies takes its puts with it: they fail, and the next put starts a new thread.
    const lost = (why: string) => {
      if (worker === thread) worker = undefined;
      for (const id of [...waiting.keys()]) settle(id, new Error(`S3 storage could not write: the upload thread ${why}`));
    };
    thread.on('error', (err) => lost(`failed (${err.message})`));
    thread.on('exit', (code) => lost(`exited with code ${code}`));
    worker = thread;
    return thread;
  }

  return {
    put(key: string, fromLocalPath: string, contentType: string): Promise<void> {
      const thread = started();
      const id = nextId++;
      thread.ref();
      thread.postMessage({ id, key, fromLocalPath, contentType } satisfies PutRequest);
      return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
    close(): void {
      void worker?.terminate();
      worker = undefined;
    },
  };
}
