import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths.js';

export type LatencySample = { at: number; ms: number; status: number; error?: string };

/** Starts the GET /login prober; `ready` resolves as its measured probes begin, stop() returns what they measured. */
export function startLoginSampler(base: string, intervalMs = 20) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bench/lib/login-sampler.mjs'), base, String(intervalMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => (out.startsWith('ready\n') ? resolve() : undefined);
    child.stdout.on('data', check);
    void done.then(() => reject(new Error('the login sampler exited before it was ready')));
  });
  ready.catch(() => undefined); // stop() reports a sampler that died; `ready` need not be awaited
  return {
    ready,
    async stop(): Promise<LatencySample[]> {
      child.stdin.end();
      await done;
      const report = out.startsWith('ready\n') ? out.slice('ready\n'.length) : out;
      if (!report.trim()) throw new Error('the login sampler reported nothing (see its output above)');
      return (JSON.parse(report) as { samples: LatencySample[] }).samples;
    },
  };
}
