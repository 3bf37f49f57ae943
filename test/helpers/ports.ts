// Ports for processes a test starts on a port it names beforehand (PostgreSQL, haproxy, proxies, a server that
// must come back where the balancer expects it). Chosen below the kernel's ephemeral range (32768 and up on
// Linux), so none of the thousands of servers supertest opens on port 0 can take one between the choice and
// the bind; each vitest worker has a block of its own, so two workers never choose the same port.
import { createServer } from 'node:net';

const FIRST = 20_000;
const BLOCK = 1_000;
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  const start = FIRST + (Number(process.env.VITEST_POOL_ID ?? 0) % 10) * BLOCK;
  for (let tries = 0; tries < 100; tries++) {
    const port = start + Math.floor(Math.random() * BLOCK);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port in ${start}-${start + BLOCK - 1}`);
}
