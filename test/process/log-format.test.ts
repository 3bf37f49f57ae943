import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { repoRoot, tempFolder } from '../helpers/fixtures.js';
import { killAllLiveServers, startLiveServer } from '../helpers/live-server.js';
import { freePort } from '../helpers/ports.js';
import { logSink } from '../helpers/log-sink.js';

let folder: Awaited<ReturnType<typeof tempFolder>>;
beforeEach(async () => (folder = await tempFolder('image-repo-logs-')));
afterEach(() => folder.cleanup());
afterAll(killAllLiveServers);

// No model: these tests are about the log lines, and start in a second.
const envFor = (dir: string) => ({ DATA_DIR: dir, UPLOAD_DIR: path.join(dir, 'uploads'), MODEL_DIR: path.join(dir, 'no-model'), LOG_LEVEL: 'info' });
const withoutColours = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '');

describe('createLogger', () => {
  it('when pretty is not asked for, then each line is one JSON object', () => {
    const { lines, sink } = logSink();
    createLogger('info', sink).info({ port: 3000 }, 'listening');
    expect(JSON.parse(lines[0])).toMatchObject({ level: 30, msg: 'listening', port: 3000 });
  });

  it('when pretty is asked for, then a line reads as text: time, level, message, then the fields', () => {
    const { lines, sink } = logSink();
    createLogger('info', sink, { pretty: true }).warn({ orphans: 2 }, 'removed files');
    const text = withoutColours(lines.join(''));
    expect(text).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] WARN: removed files\n {4}orphans: 2\n$/);
  });
});

describe('the server process', () => {
  it('when stdout is a pipe, then it logs JSON lines', async () => {
    const server = await startLiveServer(envFor(folder.dir));
    await server.kill('SIGTERM');
    const lines = server.output().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
  });

  // util-linux's `script` (Debian's essential bsdutils) runs the server on a pseudo-terminal, as a person's shell does.
  it('when stdout is a terminal, then it logs readable lines, the last one before exit included', async () => {
    const port = await freePort();
    const command = `exec ${process.execPath} --import tsx src/server.ts`;
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      cwd: repoRoot, env: { PATH: process.env.PATH, PORT: String(port), ...envFor(folder.dir) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => void (output += d));
    child.stderr.on('data', (d: Buffer) => void (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      for (let tries = 0; !(await fetch(`http://127.0.0.1:${port}/login`).then((r) => r.ok, () => false)); tries++) {
        if (tries > 600) throw new Error(`server did not listen:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // `exec` made the server the only child of `script`.
      const [serverPid] = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ').map(Number);
      process.kill(serverPid, 'SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    const text = withoutColours(output);
    expect(text).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: Image Repo listening on http:\/\/localhost:\d+$/m);
    expect(text).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: stopped$/m);
    expect(text).not.toContain('"msg"');
  });
});
