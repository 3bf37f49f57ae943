import { type ResourceLimits, Worker } from 'node:worker_threads';

/**
 * Our workers make little garbage, and a young generation sized for the main thread's (V8 lets it grow to
 * 16 MB) stays resident once grown: over 300 uploaded images the two classifier workers' heaps took about
 * 15 MB more resident memory with it than with this.
 */
const WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 3 };

/**
 * Starts the worker module `name` that sits beside the calling module (pass `import.meta.url`). Under
 * vitest and tsx the caller is TypeScript and so is the worker; after tsc both are JavaScript.
 */
export function startWorker(callerUrl: string, name: string, workerData: Record<string, unknown>): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, callerUrl);
  if (!fromSource) return new Worker(entry, { workerData, resourceLimits: WORKER_LIMITS });
  // Node 20 ignores `--import tsx` in a worker's execArgv (nodejs/node#47747), so register tsx in the worker first.
  const bootstrap = `const { workerData } = require('node:worker_threads');
    import(workerData.tsx).then((tsx) => { tsx.register(); return import(workerData.entry); });`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(bootstrap, { eval: true, workerData: { ...workerData, tsx, entry: entry.href }, resourceLimits: WORKER_LIMITS });
}
