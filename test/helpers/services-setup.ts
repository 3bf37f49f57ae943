// Vitest globalSetup: real PostgreSQL and Swift (S3) for the run. Started here, once, when they are installed,
// and stopped at the end; or, when TEST_SERVICES_DIR is set (.ci/run starts them once for both Node runs),
// the ones already running there; none with TEST_SERVICES=off. Tests reach them with test/helpers/services.ts.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from './ports.js';

export type Started = { env: Record<string, string>; dir: string };
export type Unavailable = { unavailable: string };
export type TestServices = { postgres: Started | Unavailable; swift: Started | Unavailable };

declare module 'vitest' {
  export interface ProvidedContext {
    services: TestServices;
  }
}

const NAMES = ['postgres', 'swift'] as const;
export const servicesScript = (name: (typeof NAMES)[number] | 'haproxy') => path.join(import.meta.dirname, `../../.ci/services/${name}.sh`);
const INSTALL = 'bash .ci/services/install.sh (as root)';

/** Runs a service script; resolves with its exit code and what it printed on stderr. */
export function runScript(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => void (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr: stderr.trim() }));
  });
}


function readEnv(dir: string): Record<string, string> {
  const lines = readFileSync(path.join(dir, 'env'), 'utf8').split('\n').filter(Boolean);
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

function found(dir: string, name: string): Started | Unavailable {
  if (existsSync(path.join(dir, 'env'))) return { env: readEnv(dir), dir };
  return { unavailable: `${name} was not started in ${dir} (see the CI log above)` };
}

async function start(name: (typeof NAMES)[number], dir: string): Promise<Started | Unavailable> {
  const started = Date.now();
  const { code, stderr } = await runScript([servicesScript(name), 'start', dir, String(await freePort())]);
  if (code === 0) {
    console.log(`${name} started for the tests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { env: readEnv(dir), dir };
  }
  return { unavailable: code === 3 ? `${stderr.split('\n').pop()}` : `${name} did not start (exit ${code}): ${stderr.slice(-1500)}` };
}

/** Stops the services if this process dies without its teardown (killed, say), so none is left running. */
function stopWhenGone(pid: number, root: string) {
  const stop = NAMES.map((name) => `bash '${servicesScript(name)}' stop '${path.join(root, name)}'`).join('; ');
  const script = `while kill -0 ${pid} 2>/dev/null; do sleep 1; done; ${stop}; rm -rf '${root}'`;
  const child = spawn('bash', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

/** The services of this run, started once: each test project (one per backend) calls setup, and shares them. */
async function startServices(): Promise<{ services: TestServices; stop: () => Promise<void> }> {
  const shared = process.env.TEST_SERVICES_DIR;
  if (shared) {
    return { services: { postgres: found(path.join(shared, 'postgres'), 'PostgreSQL'), swift: found(path.join(shared, 'swift'), 'Swift') }, stop: async () => {} };
  }
  if (process.env.TEST_SERVICES === 'off') { // for a quick run of tests that need neither
    const off = { unavailable: 'TEST_SERVICES=off' };
    return { services: { postgres: off, swift: off }, stop: async () => {} };
  }
  const root = mkdtempSync(path.join(tmpdir(), 'image-repo-services-'));
  chmodSync(root, 0o755); // the services run as their own users and must reach their folders inside
  const [postgres, swift] = await Promise.all(NAMES.map((name) => start(name, path.join(root, name))));
  for (const [name, service] of Object.entries({ PostgreSQL: postgres, Swift: swift })) {
    if ('unavailable' in service) {
      console.warn(`${name} is not available, so the tests that need it ${process.env.CI ? 'fail' : 'are skipped'}: ${service.unavailable}` +
        (service.unavailable.includes('install.sh') ? '' : ` (to install it: ${INSTALL})`));
    }
  }
  const watchdog = stopWhenGone(process.pid, root);
  return {
    services: { postgres, swift },
    stop: async () => {
      await Promise.all(NAMES.map((name) => runScript([servicesScript(name), 'stop', path.join(root, name)])));
      rmSync(root, { recursive: true, force: true });
      watchdog.kill();
    },
  };
}

// On globalThis: vitest may load this file once per project, and the services must still start only once.
const run = globalThis as { imageRepoServices?: { started: ReturnType<typeof startServices>; users: number } };

export default async function setup(project: TestProject) {
  const shared = (run.imageRepoServices ??= { started: startServices(), users: 0 });
  shared.users++;
  const { services, stop } = await shared.started;
  project.provide('services', services);
  return async () => {
    if (--shared.users > 0) return;
    delete run.imageRepoServices;
    await stop();
  };
}
