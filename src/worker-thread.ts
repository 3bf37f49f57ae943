import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `name` that sits beside the calling module (pass `import.meta.url`). Under
 * vitest and tsx the caller is TypeScript and so is the worker; after tsc both are JavaScript.
 */
export function startWorker(callerUrl: string, name: string, workerData: Record<string, unknown>): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, callerUrl);
  if (!fromSource) return new Worker(entry, { workerData });
  // Node 20 ignores `--import tsx` in a worker's execArgv (nodejs/node#47747), so register tsx in the worker first.
  const bootstrap = `const { workerData } = require('node:worker_threads');
    import(workerData.tsx).then((tsx) => { tsx.register(); return import(workerData.entry); });`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(bootstrap, { eval: true, workerData: { ...workerData, tsx, entry: entry.href } });
}
