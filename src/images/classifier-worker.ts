// One MobileNet per worker thread; see classifier-pool.ts for the protocol.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { loadTfjsClassifier } from './tfjs-classifier.js';

export type WorkerRequest = { id: number; pixels: Uint8Array };
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; labels: import('./classifier.js').Label[]; numTensors: number }
  | { type: 'error'; id: number; message: string };

const port = parentPort;
if (!port) throw new Error('classifier-worker must run in a worker thread');

// On Linux a priority set with pid 0 is this thread's alone. Nice 10 lets the event loop's thread
// (requests, uploads) take a core first whenever both cores are busy with inference; inference still gets
// every cycle the rest of the process leaves. Where it is not allowed, nothing changes.
try {
  setPriority(10);
} catch {
  // a platform that does not allow it: run at normal priority
}

const classifier = await loadTfjsClassifier((workerData as { modelDir: string }).modelDir);
const reply = (message: WorkerReply) => port.postMessage(message);

port.on('message', async ({ id, pixels }: WorkerRequest) => {
  try {
    const labels = await classifier.classify(pixels);
    reply({ type: 'result', id, labels, numTensors: classifier.memory().numTensors });
  } catch (err) {
    reply({ type: 'error', id, message: err instanceof Error ? err.message : String(err) });
  }
});
reply({ type: 'ready' });
