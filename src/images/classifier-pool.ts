import type { Worker } from 'node:worker_threads';
import { type Classification, type Classifier, checkPixels } from './classifier.js';
import type { WorkerReply, WorkerRequest } from './classifier-worker.js';
import { startWorker } from '../worker-thread.js';

type Job = { pixels: Uint8Array; resolve: (seen: Classification) => void; reject: (err: Error) => void };
type Slot = { worker: Worker; job?: Job & { id: number }; crash?: Error; numTensors?: number };

/** The pool as a Classifier, plus the tensors its workers held after their last classification. */
export type ClassifierPool = Classifier & { memory(): { numTensors: number; workers: number } };

/**
 * Runs `size` MobileNets in worker threads so inference never blocks the event loop and uses every core.
 * A call waits in a queue for an idle worker; its pixel buffer is transferred, not copied, so the caller
 * must not use it afterwards. A worker that dies fails only the call it was running and is replaced.
 */
export async function createClassifierPool(opts: { modelDir: string; size: number }): Promise<ClassifierPool> {
  if (!Number.isInteger(opts.size) || opts.size < 1) throw new Error(`pool size must be a positive integer: ${opts.size}`);
  const idle: Slot[] = [];
  const live = new Set<Slot>();
  const queue: Job[] = [];
  let starting = 0;
  let nextId = 1;
  let closed = false;

  const dispatch = () => {
    while (queue.length > 0 && idle.length > 0) {
      // The worker that finished last: when calls come one at a time, one thread keeps its model weights
      // in cache and its wasm tiered up (alternating between workers cost 4-7 ms a call, figure 1).
      const slot = idle.pop()!;
      const job = queue.shift()!;
      slot.job = { ...job, id: nextId++ };
      const request: WorkerRequest = { id: slot.job.id, pixels: job.pixels };
      slot.worker.postMessage(request, [job.pixels.buffer as ArrayBuffer]);
    }
  };

  const failQueue = (reason: string) => {
    for (const job of queue.splice(0)) job.reject(new Error(reason));
  };

  const spawn = () =>
    new Promise<void>((resolve, reject) => {
      starting++;
      const slot: Slot = { worker: startWorker(import.meta.url, 'classifier-worker', { modelDir: opts.modelDir }) };
      let ready = false;
      slot.worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') {
          ready = true;
          starting--;
          live.add(slot);
          if (closed) void slot.worker.terminate(); // a replacement that finished loading after close()
          idle.push(slot);
          dispatch();
          return resolve();
        }
        const job = slot.job;
        if (!job || job.id !== reply.id) return;
        slot.job = undefined;
        idle.push(slot);
        if (reply.type === 'result') {
          slot.numTensors = reply.numTensors;
          job.resolve(reply.seen);
        } else job.reject(new Error(`classification failed: ${reply.message}`));
        dispatch();
      });
      slot.worker.on('error', (err) => (slot.crash = err));
      slot.worker.on('exit', (code) => {
        if (!ready) {
          starting--;
          return reject(slot.crash ?? new Error(`classifier worker exited with code ${code} while loading`));
        }
        live.delete(slot);
        const at = idle.indexOf(slot);
        if (at >= 0) idle.splice(at, 1);
        const why = closed ? 'the classifier pool was closed' : `the classifier worker stopped (${slot.crash?.message ?? `exit code ${code}`})`;
        slot.job?.reject(new Error(why));
        if (!closed) replace();
      });
    });

  const replace = () => {
    spawn().catch(() => {
      if (live.size === 0 && starting === 0) failQueue('no classifier worker could be restarted');
    });
  };

  const started = await Promise.allSettled(Array.from({ length: opts.size }, spawn));
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    closed = true;
    await Promise.all([...live].map((slot) => slot.worker.terminate()));
    throw failure.reason;
  }

  return {
    classify: async (pixels) => {
      if (closed) throw new Error('the classifier pool is closed');
      if (live.size === 0 && starting === 0) throw new Error('no classifier worker is running');
      checkPixels(pixels);
      return new Promise<Classification>((resolve, reject) => {
        queue.push({ pixels: ownBuffer(pixels), resolve, reject });
        dispatch();
      });
    },
    waiting: () => queue.length,
    memory: () => ({
      numTensors: [...live].reduce((sum, slot) => sum + (slot.numTensors ?? 0), 0),
      workers: live.size,
    }),
    close: async () => {
      closed = true;
      failQueue('the classifier pool was closed');
      await Promise.all([...live].map((slot) => slot.worker.terminate()));
    },
  };
}

/** Only a view over a whole, unshared ArrayBuffer can be transferred without taking its neighbours along. */
function ownBuffer(pixels: Uint8Array): Uint8Array {
  const whole = pixels.buffer instanceof ArrayBuffer && pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength;
  return whole ? pixels : pixels.slice();
}
