// The real services of the backend figures, from the same scripts the tests use (.ci/services/): a PostgreSQL
// cluster, a Swift store with one bucket, and haproxy, each on free loopback ports in bench/out/, stopped and
// removed after the figure. `bash .ci/services/install.sh` installs them.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { outDir, repoRoot } from './paths.js';
import { sleep } from './stats.js';

export type Service = { env: Record<string, string>; stop(): void };

const script = (name: string) => path.join(repoRoot, `.ci/services/${name}.sh`);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function run(name: string, args: string[]): void {
  const done = spawnSync('bash', [script(name), ...args], { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`${name} did not start (bash .ci/services/install.sh installs it): ${done.stderr}`);
}

/** Starts the service `name` in a fresh bench/out/<name>; its settings are what the script writes to <dir>/env. */
async function start(name: 'postgres' | 'swift'): Promise<Service> {
  const dir = path.join(outDir, name);
  spawnSync('bash', [script(name), 'stop', dir]);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  chmodSync(outDir, 0o755); // the services run as their own users when started as root
  run(name, ['start', dir, String(await freePort())]);
  const env = Object.fromEntries(readFileSync(path.join(dir, 'env'), 'utf8').trim().split('\n')
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  return {
    env,
    stop: () => {
      spawnSync('bash', [script(name), 'stop', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** DATABASE_URL of a new cluster's superuser. */
export async function startPostgres(): Promise<Service & { url: string }> {
  const service = await start('postgres');
  return { ...service, url: service.env.DATABASE_URL };
}

/** The S3_* settings of a new store and a bucket in it. */
export async function startSwift(): Promise<Service> {
  const swift = await start('swift');
  const { S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } = swift.env;
  const client = new S3Client({
    endpoint: S3_ENDPOINT, region: S3_REGION, forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: 'bench' }));
  } finally {
    client.destroy();
  }
  return { stop: swift.stop, env: { S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_FORCE_PATH_STYLE: 'true', S3_BUCKET: 'bench' } };
}

/** haproxy round robin over `serverPorts`, answering /healthz. */
export async function startBalancer(serverPorts: number[]): Promise<{ base: string; pid: number; stop(): void }> {
  const dir = path.join(outDir, 'haproxy');
  spawnSync('bash', [script('haproxy'), 'stop', dir]);
  rmSync(dir, { recursive: true, force: true });
  const port = await freePort();
  run('haproxy', ['start', dir, String(port), ...serverPorts.map(String)]);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; !(await fetch(`${base}/healthz`).then((r) => r.ok, () => false)); i++) {
    if (i > 200) throw new Error('haproxy did not answer');
    await sleep(50);
  }
  return {
    base,
    pid: Number(readFileSync(path.join(dir, 'haproxy.pid'), 'utf8')),
    stop: () => {
      spawnSync('bash', [script('haproxy'), 'stop', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
