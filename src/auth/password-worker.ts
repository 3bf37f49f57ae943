// bcrypt's synchronous API on a thread of our own (see password-threads.ts).
import bcrypt from 'bcrypt';
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThread } from '../cpu-priority.js';

export type PasswordJob = { op: 'hash'; password: string } | { op: 'verify'; password: string; hash: string | undefined };
export type PasswordRequest = PasswordJob & { id: number };
export type PasswordReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; value: string | boolean }
  | { type: 'failed'; id: number; message: string };

// Below the event loop, like the other background work: a login may wait, a page should not.
lowerThisThread();
const { cost } = workerData as { cost: number };
const port = parentPort!;

// Compared against when the username is unknown, so a wrong username takes as long as a wrong password.
// Made before the thread says it is ready, so even the first unknown name costs no more than one comparison.
const dummyHash = bcrypt.hashSync('not a real password', cost);

const run = (job: PasswordJob): string | boolean =>
  job.op === 'hash'
    ? bcrypt.hashSync(job.password, cost)
    : bcrypt.compareSync(job.password, job.hash ?? dummyHash) && job.hash !== undefined;

port.on('message', (request: PasswordRequest) => {
  let reply: PasswordReply;
  try {
    reply = { type: 'done', id: request.id, value: run(request) };
  } catch (err) {
    reply = { type: 'failed', id: request.id, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
port.postMessage({ type: 'ready' } satisfies PasswordReply);
