// The real server as a separate process: `node bench/out/app/dist/server.js`, compiled by tsc from src/
// exactly as `npm run build` compiles it (only the output folder differs, so a build by someone else in
// the same checkout cannot change the code under test half way through a run).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { modelDir, outDir, repoRoot } from './paths.js';
import { freePort } from './services.js';
import { sleep } from './stats.js';

const defaultAppDir = path.join(outDir, 'app');
/** Environment for every server this run starts (`npm run bench -- --env NAME=VALUE`), e.g. a malloc setting. */
const runEnv: Record<string, string> = {};
export const setServerEnv = (env: Record<string, string>) => Object.assign(runEnv, env);

/** Compiles the working tree's src/ into `appDir`/dist. */
export function buildApp(appDir = defaultAppDir): void {
  compile(repoRoot, appDir);
  // dist/ finds views/, public/ and migrations/ one level up, as it does in the checkout.
  for (const dir of ['views', 'public', 'migrations']) {
    const link = path.join(appDir, dir);
    if (!existsSync(link)) symlinkSync(path.join(repoRoot, dir), link);
  }
}

/** For before/after comparisons: src/ (and migrations/) of `commit`, compiled into `appDir`/dist. */
export function buildAppAt(commit: string, appDir: string): void {
  rmSync(appDir, { recursive: true, force: true });
  mkdirSync(appDir, { recursive: true });
  const archive = spawnSync('sh', ['-c', `git archive ${commit} src migrations tsconfig.json package.json | tar -x -C ${appDir}`], { cwd: repoRoot, stdio: 'inherit' });
  if (archive.status !== 0) throw new Error(`could not export ${commit}`);
  for (const dir of ['views', 'public', 'node_modules']) symlinkSync(path.join(repoRoot, dir), path.join(appDir, dir));
  compile(appDir, appDir);
}

function compile(projectDir: string, appDir: string): void {
  rmSync(path.join(appDir, 'dist'), { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', path.join(projectDir, 'tsconfig.json'), '--outDir', path.join(appDir, 'dist')],
    { cwd: projectDir, stdio: 'inherit' },
  );
  if (tsc.status !== 0) throw new Error('tsc failed');
}

export type RunningServer = {
  pid: number;
  base: string;
  /** From spawn to the first GET /login answered 200. */
  startupMs: number;
  rssMb(): number;
  stop(): Promise<void>;
};

export type ServerOptions = {
  name: string; dataDir: string; withModel?: boolean; env?: Record<string, string>; appDir?: string;
  /** The CPUs it may run on (`taskset -c` syntax, e.g. "0"), for figures that give each server a core of its own. */
  cpus?: string;
};

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const port = await freePort();
  const logDir = path.join(outDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `${opts.name}.log`), { flags: 'a' });
  const noModel = path.join(outDir, 'no-model');
  mkdirSync(noModel, { recursive: true });
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    DATA_DIR: opts.dataDir,
    UPLOAD_DIR: path.join(opts.dataDir, 'uploads'),
    // An empty folder: the model fails to load and the app runs without one, as documented.
    MODEL_DIR: opts.withModel === false ? noModel : modelDir,
    LOG_LEVEL: 'info',
    // As `npm start` runs it: fewer glibc malloc arenas for sharp's threads (see README, Benchmarks).
    MALLOC_ARENA_MAX: '2',
    ...runEnv,
    ...opts.env,
  };
  delete env.NODE_OPTIONS;
  const appDir = opts.appDir ?? defaultAppDir;
  const started = performance.now();
  const command = [process.execPath, path.join(appDir, 'dist/server.js')];
  // taskset execs the server, so the child's pid is the server's.
  const [file, ...args] = opts.cpus ? ['taskset', '-c', opts.cpus, ...command] : command;
  const child = spawn(file, args, { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const base = `http://127.0.0.1:${port}`;
  await waitForLogin(child, base, opts.name);
  const startupMs = performance.now() - started;
  return {
    pid: child.pid!,
    base,
    startupMs,
    rssMb: () => rssMb(child.pid!),
    stop: () => stop(child),
  };
}

async function waitForLogin(child: ChildProcess, base: string, name: string): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server ${name} exited with code ${child.exitCode} (see bench/out/logs/${name}.log)`);
    if ((await probe(`${base}/login`)) === 200) return;
    await sleep(5);
  }
  child.kill('SIGKILL');
  throw new Error(`server ${name} did not answer GET /login within 60 s`);
}

function probe(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
