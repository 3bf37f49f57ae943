// The real PostgreSQL and Swift (S3) that test/helpers/services-setup.ts started for the run, for the tests
// that need them. Call useSwift() / usePostgres() at the top of a test file: where the service is not
// there, each test of the file is skipped with a note saying how to install it, or fails under CI=true.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeEach, inject } from 'vitest';
import type { S3Config } from '../../src/config.js';
import { freePort } from './ports.js';
import { runScript, servicesScript, type Started, type Unavailable } from './services-setup.js';

export type Swift = {
  /** An S3 configuration for the store, without a bucket: the account owner's keys. */
  s3: Omit<S3Config, 'bucket'>;
  /** Keys of a member of the same account without .admin: it can do only what a bucket's ACL grants. */
  member: { accessKeyId: string; secretAccessKey: string };
  /** Swift's own auth (tempauth), for what S3 cannot do, such as setting a container's ACL. */
  authUrl: string;
  dir: string;
};

export type Postgres = { url: string };

function use<T>(name: string, service: Started | Unavailable, make: (s: Started) => T): T | undefined {
  if (!('unavailable' in service)) return make(service);
  const note = `${name} is not available: ${service.unavailable}`;
  const skipped: string[] = [];
  beforeEach((ctx) => {
    if (process.env.CI) throw new Error(`${note}. Under CI every service must run: see .ci/run`);
    skipped.push(ctx.task.fullTestName ?? ctx.task.name);
    ctx.skip(note);
  });
  afterAll(() => {
    if (skipped.length === 0) return;
    const these = skipped.length === 1 ? 'this test' : `these ${skipped.length} tests`;
    console.warn(`${note}\nSo ${these} could not run:\n  ${skipped.join('\n  ')}\n` +
      'To run them: bash .ci/services/install.sh (as root), then the tests again.');
  });
  return undefined;
}

/** The started Swift as the tests reach it. */
export const swiftOf = ({ env, dir }: Started): Swift => ({
  s3: {
    endpoint: env.S3_ENDPOINT, region: env.S3_REGION, accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY, forcePathStyle: true, prefix: '',
  },
  member: { accessKeyId: env.SWIFT_MEMBER_ACCESS_KEY_ID, secretAccessKey: env.SWIFT_MEMBER_SECRET_ACCESS_KEY },
  authUrl: env.SWIFT_AUTH_URL,
  dir,
});

export function useSwift(): Swift | undefined {
  return use('Swift', inject('services').swift, swiftOf);
}

export function usePostgres(): Postgres | undefined {
  return use('PostgreSQL', inject('services').postgres, ({ env }) => ({ url: env.DATABASE_URL }));
}

/** A name no other test file uses: each file gets buckets and databases of its own. */
export const uniqueName = (label: string) => `${label}-${randomBytes(4).toString('hex')}`.toLowerCase();

/** An S3 client on the store with the owner's keys (or others'), for arranging what a test needs. */
export function s3Client(swift: Swift, keys: { accessKeyId: string; secretAccessKey: string } = swift.s3): S3Client {
  return new S3Client({
    endpoint: swift.s3.endpoint, region: swift.s3.region, forcePathStyle: true, credentials: keys,
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A new, empty bucket and the S3 configuration that stores into it. */
export async function newBucket(swift: Swift, label: string): Promise<S3Config> {
  const bucket = uniqueName(label);
  const client = s3Client(swift);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return { ...swift.s3, bucket };
}

/** Swift's own API as the account owner: for container ACLs, which S3 has no words for here. */
export async function swiftRequest(swift: Swift, method: string, container: string, headers: Record<string, string> = {}) {
  const auth = await fetch(swift.authUrl, { headers: { 'X-Auth-User': swift.s3.accessKeyId, 'X-Auth-Key': swift.s3.secretAccessKey } });
  const token = auth.headers.get('X-Auth-Token')!;
  const res = await fetch(`${auth.headers.get('X-Storage-Url')}/${container}`, { method, headers: { 'X-Auth-Token': token, ...headers } });
  if (!res.ok) throw new Error(`${method} ${container}: ${res.status}`);
}

/**
 * A Swift proxy of the test's own on the shared store, so a test can kill it (or stop it with SIGSTOP) without
 * taking S3 away from the tests running beside it.
 */
export function ownProxy(swift: Swift, port: number) {
  const script = servicesScript('swift');
  const run = async (verb: string) => {
    const { code, stderr } = await runScript([script, verb, swift.dir, String(port)]);
    if (code !== 0) throw new Error(`swift.sh ${verb} failed: ${stderr}`);
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    start: () => run('start-proxy'),
    stop: () => run('stop-proxy'),
    pid: () => Number(readFileSync(path.join(swift.dir, 'run', `proxy-${port}.pid`), 'utf8')),
  };
}

/** A new, empty database on the shared server and its URL. */
export async function newDatabase(postgres: Postgres, label: string): Promise<string> {
  const name = uniqueName(label).replace(/-/g, '_');
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A PostgreSQL server of the test's own (a new cluster, about a second to start), so a test can stop it and
 * start it again without taking the database away from the tests running beside it.
 */
export async function ownPostgres(): Promise<{ url: string; stop(): Promise<void>; resume(): Promise<void>; remove(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'image-repo-own-pg-'));
  chmodSync(dir, 0o755);
  const script = servicesScript('postgres');
  const run = async (...args: string[]) => {
    const { code, stderr } = await runScript([script, ...args]);
    if (code !== 0) throw new Error(`postgres.sh ${args[0]} failed: ${stderr}`);
  };
  await run('start', path.join(dir, 'pg'), String(await freePort()));
  const url = readFileSync(path.join(dir, 'pg', 'env'), 'utf8').trim().replace(/^DATABASE_URL=/, '');
  return {
    url,
    stop: () => run('stop', path.join(dir, 'pg')),
    resume: () => run('resume', path.join(dir, 'pg')),
    remove: async () => {
      await run('stop', path.join(dir, 'pg'));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** haproxy (Debian's) in front of app servers, from .ci/services/haproxy.sh, which says how it balances. */
const HAPROXY = '/usr/sbin/haproxy';

/** Like useSwift(): the tests of the file are skipped with a note (failed under CI=true) where haproxy is missing. */
export function useHaproxy(): boolean {
  const found: Started | Unavailable = existsSync(HAPROXY) ? { env: {}, dir: '' } : { unavailable: `${HAPROXY} is not installed` };
  return use('haproxy', found, () => true) ?? false;
}

export async function startHaproxy(serverPorts: number[]): Promise<{ base: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'image-repo-haproxy-'));
  const port = await freePort();
  const started = await runScript([servicesScript('haproxy'), 'start', dir, String(port), ...serverPorts.map(String)]);
  if (started.code !== 0) throw new Error(`haproxy did not start: ${started.stderr}`);
  const stop = async () => {
    await runScript([servicesScript('haproxy'), 'stop', dir]);
    rmSync(dir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; !(await fetch(`${base}/healthz`).then((r) => r.ok, () => false)); i++) {
    if (i > 200) {
      await stop();
      throw new Error('haproxy did not answer');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { base, stop };
}

/** Debian's exiftool (libimage-exiftool-perl), which writes and reads the metadata of test fixtures. */
export const EXIFTOOL = '/usr/bin/exiftool';

/** Like useHaproxy(), for exiftool. */
export function useExiftool(): boolean {
  const found: Started | Unavailable = existsSync(EXIFTOOL) ? { env: {}, dir: '' } : { unavailable: `${EXIFTOOL} is not installed` };
  return use('exiftool', found, () => true) ?? false;
}
