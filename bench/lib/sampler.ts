import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths.js';

export type LatencySample = { at: number; ms: number; status: number; error?: string };

/** Starts the GET /login prober; stop() ends it and returns what it measured. */
export function startLoginSampler(base: string, intervalMs = 20) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bench/lib/login-sampler.mjs'), base, String(intervalMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop(): Promise<LatencySample[]> {
      child.stdin.end();
      await done;
      return (JSON.parse(out) as { samples: LatencySample[] }).samples;
    },
  };
}
