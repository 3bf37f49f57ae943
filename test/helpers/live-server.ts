// The real server as a child process on 127.0.0.1 (a port of its own unless PORT is given), quiet (LOG_LEVEL=warn), for crash and load tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { csrfTokenIn, modelDir, repoRoot } from './fixtures.js';

export type LiveServer = { child: ChildProcess; base: string; exited: Promise<number | null>; output: () => string; kill: (signal?: NodeJS.Signals) => Promise<void> };

/** The repository's MobileNet (or MODEL_DIR's), so the crash test also kills inference workers. */
export const realModelDir = existsSync(path.join(modelDir, 'model.json')) ? modelDir : undefined;


/**
 * The port of the socket process `pid` listens on, if it does yet (Linux: /proc). The server is started on
 * PORT=0 and found here: a port chosen for it beforehand could be taken meanwhile by any of the thousands of
 * servers supertest opens on ephemeral ports in other test files.
 */
function listeningPort(pid: number): number | undefined {
  let own: Set<string>;
  try {
    own = new Set(readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try { return readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return ''; }
    }));
  } catch {
    return undefined;
  }
  for (const table of ['/proc/net/tcp6', '/proc/net/tcp']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      // Field 1 is address:port in hex, state 0A is LISTEN, field 9 the socket's inode.
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && own.has(`socket:[${f[9]}]`)) return parseInt(f[1].split(':')[1], 16);
    }
  }
  return undefined;
}

const children = new Set<ChildProcess>();

/** SIGKILLs every server this process started that is still running (for afterAll, also after a timed-out test). */
export async function killAllLiveServers(): Promise<void> {
  await Promise.all([...children].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
  children.clear();
}

// Absolute, so a server started in another working directory still finds both.
const tsxLoader = import.meta.resolve('tsx');
const serverEntry = path.join(repoRoot, 'src/server.ts');

/** `cwd` is where relative settings (the defaults among them) resolve; the checkout unless given. */
export async function startLiveServer(env: Record<string, string>, timeoutMs = 60_000, cwd = repoRoot): Promise<LiveServer> {
  const child = spawn(process.execPath, ['--import', tsxLoader, serverEntry], {
    cwd,
    env: { PATH: process.env.PATH, PORT: '0', BCRYPT_COST: '4', LOG_LEVEL: 'warn', DEMO_USER: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => void (output += d));
  child.stderr!.on('data', (d: Buffer) => void (output += d));
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => (children.delete(child), resolve(code))));
  let gone = false;
  void exited.then(() => (gone = true));
  const until = Date.now() + timeoutMs;
  let base = '';
  for (;;) {
    if (gone) throw new Error(`server exited before listening:\n${output}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`server did not listen within ${timeoutMs} ms:\n${output}`);
    }
    const port = listeningPort(child.pid!);
    base = `http://127.0.0.1:${port}`;
    if (port && (await fetch(`${base}/login`).then((r) => r.ok, () => false))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child, base, exited, output: () => output,
    kill: async (signal = 'SIGKILL') => {
      if (!gone) child.kill(signal);
      await exited;
    },
  };
}

export type Session = { cookie: string; token: string };

/** The cookies a response sets, merged over those already held, as one Cookie header. */
export function withCookies(held: string, res: Response): string {
  const jar = new Map(held.split('; ').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair]));
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(';')[0];
    jar.set(pair.slice(0, pair.indexOf('=')), pair);
  }
  return [...jar.values()].join('; ');
}

/** Posts a form the way a browser does from a fresh visit to it; resolves with the cookies it then holds. */
async function submitForm(base: string, path: string, fields: Record<string, string>): Promise<string> {
  const page = await fetch(`${base}${path}`);
  const anonymous = withCookies('', page);
  const res = await fetch(`${base}${path}`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: anonymous, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfTokenIn(await page.text()), ...fields }),
  });
  if (res.status !== 303) throw new Error(`POST ${path} as ${fields.username} answered ${res.status}`);
  return withCookies(anonymous, res);
}

/** Logs in with fetch (no cookie jar needed) and returns the session cookie and its CSRF token. */
export async function logIn(base: string, username = 'rishi', password = 'password'): Promise<Session> {
  const session = await submitForm(base, '/login', { username, password });
  const upload = await fetch(`${base}/upload`, { headers: { cookie: session } });
  return { cookie: withCookies(session, upload), token: csrfTokenIn(await upload.text()) };
}

/** Registers a new account through the form and returns its session, like logIn. */
export async function registerUser(base: string, username: string, password = 'correct horse'): Promise<Session> {
  await submitForm(base, '/register', { username, password, confirm: password });
  return logIn(base, username, password);
}

/**
 * The crash and load tests each want both cores, and vitest runs two files at once: they take turns,
 * so neither one's figures or timings are made by the other. Resolves with the function that ends the turn.
 */
export async function heavyTurn(): Promise<() => void> {
  const lock = path.join(tmpdir(), `image-repo-heavy-${createHash('sha1').update(repoRoot).digest('hex').slice(0, 8)}`);
  const owner = path.join(lock, 'pid');
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // A turn left by a test process that died is taken over.
    const pid = Number(existsSync(owner) ? readFileSync(owner, 'utf8') : 0);
    if (pid > 0 && !isAlive(pid)) rmSync(lock, { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 250));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
