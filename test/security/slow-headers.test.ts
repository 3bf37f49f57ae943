// Regression for what the black-box audit found to hold: a client that sends its request headers one byte at a
// time, forever (slowloris), is cut off by the real server process, and everyone else is answered meanwhile.
// The server's headersTimeout is 60 s, enforced by a sweep every 5 s (connectionsCheckingInterval), so a
// connection goes 60 to 65 s after its first byte. Its own file, so its long wait overlaps other files.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllLiveServers, logIn, startLiveServer, type LiveServer } from '../helpers/live-server.js';

/** Our patience: past Node's 60 s plus one 30 s sweep, with room for a busy machine. */
const BOUND_MS = 75_000;
const DRIP_EVERY_MS = 500;
const SLOW_CLIENTS = 20;
const PROBE_EVERY_MS = 2_000;

let root: string;
let server: LiveServer;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'image-repo-slow-headers-'));
  // No model: this is about connections, and the server starts in a second.
  server = await startLiveServer({ DATA_DIR: root, UPLOAD_DIR: path.join(root, 'uploads'), MODEL_DIR: path.join(root, 'no-model') });
});
afterAll(async () => {
  await killAllLiveServers();
  rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type SlowClient = { socket: Socket; closed: Promise<{ afterMs: number; answer: string; endedByServer: boolean }> };

/** Opens a connection and sends a request one byte every DRIP_EVERY_MS: a request line, then one header that never ends. */
function slowClient(port: string): SlowClient {
  const socket = connect(Number(port), '127.0.0.1');
  const bytes = Buffer.from(`GET /login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Never-Ends: `, 'latin1');
  let sent = 0;
  let answer = '';
  let endedByServer = false;
  let started = 0;
  const drip = setInterval(() => {
    if (socket.writable) socket.write(sent < bytes.length ? bytes.subarray(sent, ++sent) : 'a');
  }, DRIP_EVERY_MS);
  socket.once('connect', () => {
    started = Date.now();
    socket.write(bytes.subarray(0, ++sent));
  });
  socket.on('data', (d: Buffer) => void (answer += d.toString('latin1')));
  socket.on('end', () => void (endedByServer = true)); // the server's FIN; we never end our side first
  socket.on('error', () => void (endedByServer = true)); // or its reset
  const closed = new Promise<{ afterMs: number; answer: string; endedByServer: boolean }>((resolve) =>
    socket.once('close', () => {
      clearInterval(drip);
      resolve({ afterMs: Date.now() - started, answer, endedByServer });
    }),
  );
  return { socket, closed };
}

describe('slow headers against the real server', () => {
  it(`when ${SLOW_CLIENTS} clients send their headers one byte at a time forever, then the server closes each within ${BOUND_MS / 1000} s and answers others meanwhile`, { timeout: BOUND_MS + 30_000 }, async () => {
    const port = new URL(server.base).port;
    const signedIn = await logIn(server.base);
    const clients = Array.from({ length: SLOW_CLIENTS }, () => slowClient(port));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'still open'>((resolve) => (timer = setTimeout(() => resolve('still open'), BOUND_MS)));

    // Meanwhile, an anonymous page and a signed-in one, every 2 s, each answered quickly.
    const probes: { ms: number; statuses: number[] }[] = [];
    let probing = true;
    const probeLoop = (async () => {
      while (probing) {
        const started = Date.now();
        const statuses = await Promise.all([
          fetch(`${server.base}/login`, { signal: AbortSignal.timeout(5000) }).then(async (r) => (await r.text(), r.status)),
          fetch(`${server.base}/`, { headers: { cookie: signedIn.cookie }, redirect: 'manual', signal: AbortSignal.timeout(5000) }).then(async (r) => (await r.text(), r.status)),
        ]);
        probes.push({ ms: Date.now() - started, statuses });
        await sleep(PROBE_EVERY_MS);
      }
    })();

    const outcomes = await Promise.all(clients.map((c) => Promise.race([c.closed, deadline])));
    clearTimeout(timer);
    probing = false;
    await probeLoop;
    for (const c of clients) c.socket.destroy();

    const stillOpen = outcomes.filter((o) => o === 'still open').length;
    expect(stillOpen, `connections the server had not closed after ${BOUND_MS / 1000} s`).toBe(0);
    const closed = outcomes.filter((o) => o !== 'still open');
    for (const o of closed) {
      expect(o.endedByServer).toBe(true);
      // Never a page: at most the 408 Node writes before it hangs up.
      expect(o.answer === '' || o.answer.startsWith('HTTP/1.1 408'), o.answer.slice(0, 80)).toBe(true);
    }
    const times = closed.map((o) => o.afterMs);
    console.log(`slow clients closed by the server after ${Math.min(...times) / 1000}-${Math.max(...times) / 1000} s; ` +
      `${probes.length} probe rounds meanwhile, the slowest in ${Math.max(...probes.map((p) => p.ms))} ms`);

    // The server answered throughout, and is still up.
    expect(probes.length).toBeGreaterThanOrEqual(20);
    for (const probe of probes) expect(probe.statuses).toEqual([200, 200]);
    expect(Math.max(...probes.map((p) => p.ms))).toBeLessThan(2000);
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${server.base}/login`)).status).toBe(200);
  });
});
