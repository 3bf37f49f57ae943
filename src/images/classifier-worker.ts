// One MobileNet per worker thread; see classifier-pool.ts for the protocol.
import { parentPort, workerData } from 'node:worker_threads';
import { loadTfjsClassifier } from './tfjs-classifier.js';

export type WorkerRequest = { id: number; pixels: Uint8Array };
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; labels: import('./classifier.js').Label[] }
  | { type: 'error'; id: number; message: string };

const port = parentPort;
if (!port) throw new Error('classifier-worker must run in a worker thread');

const classifier = await loadTfjsClassifier((workerData as { modelDir: string }).modelDir);
const reply = (message: WorkerReply) => port.postMessage(message);

port.on('message', async ({ id, pixels }: WorkerRequest) => {
  try {
    reply({ type: 'result', id, labels: await classifier.classify(pixels) });
  } catch (err) {
    reply({ type: 'error', id, message: err instanceof Error ? err.message : String(err) });
  }
});
reply({ type: 'ready' });
