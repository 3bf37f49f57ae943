import { startPasswordThreads } from './password-threads.js';

export { PasswordsBusy } from './password-threads.js';

/** Threads that hash and compare passwords, beside the event loop and outside libuv's pool (see password-threads.ts). */
export const PASSWORD_THREADS = 2;
/**
 * Jobs that may wait for a thread; more are refused as busy (a 503) instead of queueing without end. At the
 * default cost the last of them waits a few seconds (see README, Decisions).
 */
export const MAX_WAITING_PASSWORD_JOBS = 16;

export type Passwords = {
  hash(password: string): Promise<string>;
  /** False for a wrong password and for an unknown user (undefined hash), after the same bcrypt work. */
  verify(password: string, hash: string | undefined): Promise<boolean>;
  /** Resolves once the threads are up (or gave up), so that a caller can tell they exist. */
  started(): Promise<void>;
  /** Ends the threads; pending calls fail. */
  close(): Promise<void>;
};

export function createPasswords(cost: number, opts: { threads?: number; maxWaiting?: number } = {}): Passwords {
  const threads = startPasswordThreads({
    cost, size: opts.threads ?? PASSWORD_THREADS, maxWaiting: opts.maxWaiting ?? MAX_WAITING_PASSWORD_JOBS,
  });
  return {
    hash: async (password) => String(await threads.run({ op: 'hash', password })),
    verify: async (password, hash) => (await threads.run({ op: 'verify', password, hash })) === true,
    started: threads.started,
    close: threads.close,
  };
}
