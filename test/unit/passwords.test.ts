import type { Worker } from 'node:worker_threads';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPasswords, PasswordsBusy, type Passwords } from '../../src/auth/passwords.js';
import { repoRoot, tempFolder } from '../helpers/fixtures.js';

// Keep a handle on every worker started, so a test can kill one as a crash would and see that close() ends them.
const started = vi.hoisted(() => [] as { worker: Worker; exited: Promise<number> }[]);
vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:worker_threads')>();
  class TrackedWorker extends real.Worker {
    constructor(...args: ConstructorParameters<typeof real.Worker>) {
      super(...args);
      started.push({ worker: this, exited: new Promise((resolve) => this.once('exit', resolve)) });
    }
  }
  return { ...real, Worker: TrackedWorker };
});

const open: Passwords[] = [];
const make = (...args: Parameters<typeof createPasswords>) => {
  const passwords = createPasswords(...args);
  open.push(passwords);
  return passwords;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
  started.splice(0);
});

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

describe('password hashing', () => {
  it('when a password is hashed, then only that password verifies against the hash', async () => {
    const passwords = make(4);
    const hash = await passwords.hash('correct horse');
    expect(hash).toMatch(/^\$2[aby]\$04\$/);
    expect(await passwords.verify('correct horse', hash)).toBe(true);
    expect(await passwords.verify('wrong horse', hash)).toBe(false);
    expect(await passwords.verify('correct horse', undefined)).toBe(false);
  });

  it('when many hashes run at a realistic cost, then a file read is not kept waiting behind them', async () => {
    const passwords = make(12);
    await passwords.verify('warm up', undefined); // the threads are up and made their comparison hash
    const hashing = Promise.all(Array.from({ length: 8 }, () => passwords.verify('guess', undefined)));
    await new Promise((r) => setTimeout(r, 50));
    const read = await timed(() => stat(import.meta.filename));
    await hashing;
    // Before, bcrypt filled libuv's four threads and a stat waited for two rounds of hashes (over 500 ms).
    expect(read).toBeLessThan(200);
  }, 30_000);

  it('when the username is unknown, then verifying takes about as long as a wrong password', async () => {
    const passwords = make(10, { threads: 1 });
    const hash = await passwords.hash('correct horse');
    await passwords.verify('warm up', undefined);
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      wrong.push(await timed(() => passwords.verify('wrong horse', hash)));
      unknown.push(await timed(() => passwords.verify('wrong horse', undefined)));
    }
    // A skipped comparison would take well under a tenth of a bcrypt at cost 10.
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.4);
  }, 30_000);

  it('when a password thread dies mid-hash, then that call fails as "busy" and the next call works', async () => {
    const passwords = make(12, { threads: 1 });
    await passwords.verify('warm up', undefined);
    const dying = passwords.verify('guess', undefined);
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toHaveLength(1);
    await started[0].worker.terminate();
    await expect(dying).rejects.toBeInstanceOf(PasswordsBusy);
    expect(await passwords.verify('guess', await passwords.hash('guess'))).toBe(true);
    expect(started).toHaveLength(2);
  }, 30_000);

  it('when the thread cannot start at all, then waiting calls fail instead of hanging', async () => {
    const passwords = make(4, { threads: 1 });
    const first = passwords.verify('guess', undefined);
    await started[0].worker.terminate(); // before it said it was ready
    await expect(first).rejects.toBeInstanceOf(PasswordsBusy);
  });

  it('when more calls wait than the queue holds, then the extra ones fail as "busy" at once', async () => {
    const passwords = make(12, { threads: 1, maxWaiting: 2 });
    await passwords.verify('warm up', undefined);
    const calls = Array.from({ length: 5 }, () => passwords.verify('guess', undefined).then(() => 'done', (err) => err));
    const results = await Promise.all(calls);
    expect(results.filter((r) => r === 'done')).toHaveLength(3); // one running, two waiting
    expect(results.filter((r) => r instanceof PasswordsBusy)).toHaveLength(2);
  }, 30_000);

  it('when closed, then every thread it started has exited and later calls are refused', async () => {
    const passwords = createPasswords(4, { threads: 2 });
    await Promise.all([passwords.hash('a'), passwords.hash('b')]);
    expect(started.length).toBeGreaterThan(0);
    await passwords.close();
    await Promise.all(started.map((s) => s.exited));
    await expect(passwords.hash('c')).rejects.toThrow();
  });

  it('when closed in a process with nothing else to do, then close() finishes before the process ends', async () => {
    // As at shutdown, where the threads are the last thing running: the process must wait for them to end.
    const { dir, cleanup } = await tempFolder();
    try {
      const script = path.join(dir, 'close.mts');
      writeFileSync(script, [
        `import { createPasswords } from ${JSON.stringify(path.join(repoRoot, 'src/auth/passwords.ts'))};`,
        'for (let round = 1; round <= 5; round++) {',
        '  const passwords = createPasswords(4, { threads: 2 });',
        "  await passwords.verify('guess', undefined);",
        '  await passwords.close();',
        '  console.log(`closed ${round}`);',
        '}',
      ].join('\n'));
      const run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), script], { encoding: 'utf8', timeout: 30_000 });
      expect(run.stdout.trim().split('\n').at(-1), run.stderr).toBe('closed 5');
      expect(run.status).toBe(0);
    } finally {
      await cleanup();
    }
  }, 40_000);
});
