// A PostgreSQL of the benchmark's own, from the same script the tests use (.ci/services/postgres.sh): a new
// cluster on a free loopback port in bench/out/, stopped and removed after the figure.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { outDir, repoRoot } from './paths.js';

const script = path.join(repoRoot, '.ci/services/postgres.sh');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<{ url: string; stop(): void }> {
  const dir = path.join(outDir, 'postgres');
  spawnSync('bash', [script, 'stop', dir]);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  chmodSync(outDir, 0o755); // the cluster runs as the postgres user when started as root
  const started = spawnSync('bash', [script, 'start', dir, String(await freePort())], { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`PostgreSQL did not start (bash .ci/services/install.sh installs it): ${started.stderr}`);
  const url = readFileSync(path.join(dir, 'env'), 'utf8').trim().replace(/^DATABASE_URL=/, '');
  return {
    url,
    stop: () => {
      spawnSync('bash', [script, 'stop', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
