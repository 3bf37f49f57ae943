// One MobileNet per worker thread; see classifier-pool.ts for the protocol.
import { parentPort, workerData } from 'node:worker_threads';
import { loadTfjsClassifier } from './tfjs-classifier.js';
import { lowerThisThread } from '../cpu-priority.js';

export type WorkerRequest = { id: number; pixels: Uint8Array };
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; seen: import('./classifier.js').Classification; numTensors: number }
  | { type: 'error'; id: number; message: string };

const port = parentPort;
if (!port) throw new Error('classifier-worker must run in a worker thread');

// Inference yields to the event loop's thread (see cpu-priority.ts); a replacement worker starts after
// the server lowered the others, so each worker lowers itself.
lowerThisThread();
const classifier = await loadTfjsClassifier((workerData as { modelDir: string }).modelDir);
const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on('message', async ({ id, pixels }: WorkerRequest) => {
  try {
    const seen = await classifier.classify(pixels);
    reply({ type: 'result', id, seen, numTensors: classifier.memory().numTensors }, seen.embedding ? [seen.embedding.buffer as ArrayBuffer] : []);
  } catch (err) {
    reply({ type: 'error', id, message: err instanceof Error ? err.message : String(err) });
  }
});
reply({ type: 'ready' });
