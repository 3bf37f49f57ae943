// Figures 8 and 9, the scaled deployment: the ingest of figure 2 and the GET /login latency of figure 3 on
// PostgreSQL + S3 (Swift) against SQLite + disk, in alternation; then one and two servers on PostgreSQL, each
// pinned to a core of its own, behind haproxy, under a mixed load of gallery pages and searches.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openPostgres } from '../../src/db/postgres.js';
import { httpClient, type Client } from '../lib/client.js';
import type { Figure } from '../lib/figure.js';
import { outDir, repoRoot } from '../lib/paths.js';
import type { BenchPhoto } from '../lib/photos.js';
import { startLoginSampler } from '../lib/sampler.js';
import { SEARCHED_OWNER, seedDatabase, VIEWER } from '../lib/seed.js';
import { startServer, type RunningServer } from '../lib/server.js';
import { startBalancer, startPostgres, startSwift, type Service } from '../lib/services.js';
import { median, percentile, round, sleep } from '../lib/stats.js';
import { uploadAll } from './ingest.js';

const SESSION_SECRET = 'the-benchmark-servers-share-this-secret';

type Backend = 'sqlite' | 'postgres';
type IngestRun = { backend: Backend; rate: number; latencies: number[] };

export async function ingestOnBothBackends(photos: BenchPhoto[], rounds = 2): Promise<Figure[]> {
  const services: Service[] = [];
  try {
    const postgres = await startPostgres();
    services.push(postgres);
    const swift = await startSwift();
    services.push(swift);
    const runs: IngestRun[] = [];
    for (let pass = 0; pass < rounds; pass++) {
      for (const backend of ['sqlite', 'postgres'] as const) {
        // A library of its own each time (a new schema on PostgreSQL), so every upload starts from empty.
        const dataDir = path.join(outDir, `data/ingest-${backend}`);
        rmSync(dataDir, { recursive: true, force: true });
        const env = backend === 'postgres'
          ? { DATABASE_URL: await newSchema(postgres.url, `ingest_${pass}`), SESSION_SECRET, ...swift.env, S3_PREFIX: `ingest-${pass}/` }
          : {};
        const server = await startServer({ name: `ingest-${backend}`, dataDir, env });
        try {
          runs.push(await ingestOnce(server, backend, photos));
        } finally {
          await server.stop();
        }
      }
    }
    const of = (backend: Backend) => runs.filter((r) => r.backend === backend);
    const [pgRate, sqRate] = [meanOf(of('postgres').map((r) => r.rate)), meanOf(of('sqlite').map((r) => r.rate))];
    // Every sample of a backend's runs together: the p99 of all the time its uploads ran.
    const all = (backend: Backend) => of(backend).flatMap((r) => r.latencies);
    const [pg99, sq99] = [percentile(all('postgres'), 99), percentile(all('sqlite'), 99)];
    const each = (backend: Backend, pick: (r: IngestRun) => number) => of(backend).map((r) => round(pick(r), 1)).join(', ');
    return [
      {
        id: 'ingest-postgres-s3',
        title: `8a. Ingest ${photos.length} JPEGs on PostgreSQL + S3 / on SQLite + disk (mean of ${rounds})`,
        value: round(pgRate, 1),
        unit: 'img/s',
        comparison: { label: 'SQLite + disk', value: round(sqRate, 1), unit: 'img/s', ratio: round(pgRate / sqRate, 2), ratioLabel: 'x' },
        target: { text: '>= 0.8x', met: pgRate / sqRate >= 0.8 },
        details: { 'PostgreSQL + S3 runs, img/s': each('postgres', (r) => r.rate), 'SQLite + disk runs, img/s': each('sqlite', (r) => r.rate) },
      },
      {
        id: 'login-during-upload-backends',
        title: `8b. GET /login p99 during those uploads, PostgreSQL + S3 / SQLite + disk (all ${rounds} runs' samples)`,
        value: round(pg99, 1),
        unit: 'ms',
        comparison: { label: 'SQLite + disk', value: round(sq99, 1), unit: 'ms', ratio: round(pg99 / sq99, 2), ratioLabel: 'x' },
        target: { text: 'p99 <= 20 ms on both', met: pg99 <= 20 && sq99 <= 20 },
        details: {
          'PostgreSQL + S3 p99 per run, ms': each('postgres', (r) => percentile(r.latencies, 99)),
          'SQLite + disk p99 per run, ms': each('sqlite', (r) => percentile(r.latencies, 99)),
          'PostgreSQL + S3 p50, ms': round(median(all('postgres')), 1), 'SQLite + disk p50, ms': round(median(all('sqlite')), 1),
          'samples per run': runs.map((r) => r.latencies.length).join(', '),
        },
      },
    ];
  } finally {
    for (const service of services.reverse()) service.stop();
  }
}

async function ingestOnce(server: RunningServer, backend: Backend, photos: BenchPhoto[]): Promise<IngestRun> {
  const client = httpClient(server.base);
  try {
    await client.login(VIEWER.username, VIEWER.password);
    await sleep(1000); // the model's workers finish loading
    const sampler = startLoginSampler(server.base);
    await sampler.ready;
    await sleep(100);
    const upload = await uploadAll(client, photos);
    const samples = await sampler.stop();
    const bad = samples.filter((s) => s.status !== 200);
    if (bad.length > 0) throw new Error(`GET /login failed ${bad.length} times during the upload on ${backend} (${bad[0].status})`);
    return { backend, rate: photos.length / (upload.ms / 1000), latencies: samples.map((s) => s.ms) };
  } finally {
    client.close();
  }
}

/** A new schema in the cluster, and the URL whose connections use it. */
async function newSchema(url: string, name: string): Promise<string> {
  const db = await openPostgres(url, { poolSize: 2 });
  try {
    await db.query.schema.createSchema(name).ifNotExists().execute();
  } finally {
    await db.close();
  }
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${name}`);
  return scoped.toString();
}

// Figure 9 ------------------------------------------------------------------------------------------------

const LIBRARY = 20_000;
const MIXED = ['/', `/search?q=${encodeURIComponent(`dog,red,${SEARCHED_OWNER}`)}`, '/search?q=cat', `/search?q=${encodeURIComponent('blue,car')}`];

export type LoadRun = { rps: number; p50: number; p99: number; cpu: Record<string, number> };
/**
 * `undo`: SQL run on a database of the server's own once it is seeded, for a before/after comparison across a
 * migration (the seed migrates to the working tree's schema; the undo takes it back to the older code's).
 */
type ServerSpec = { name: string; cpu: string; appDir?: string; undo?: string };

/**
 * Servers of `specs` on one PostgreSQL seeded with LIBRARY images; then each set of `setups` (a label and the
 * names of its servers) behind haproxy under the mixed load in turn, `rounds` times. Runs by label.
 */
export async function balancedLoadRuns(
  specs: ServerSpec[], setups: Record<string, string[]>, { seconds = 10, rounds = 2, inFlight = 16 } = {},
): Promise<Record<string, LoadRun[]>> {
  const postgres = await startPostgres();
  const servers = new Map<string, RunningServer>();
  try {
    const seeded = async (url: string, undo?: string) => {
      const db = await openPostgres(url, { poolSize: 8 });
      await seedDatabase(db, LIBRARY);
      await db.close();
      if (undo) {
        // pg's simple query protocol: several statements in one string, function bodies and all.
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(undo).finally(() => client.end());
      }
      return url;
    };
    const shared = await seeded(postgres.url);
    for (const { name, cpu, appDir, undo } of specs) {
      const env = { DATABASE_URL: undo ? await seeded(await newSchema(postgres.url, `own_${name}`), undo) : shared, SESSION_SECRET };
      servers.set(name, await startServer({ name: `balanced-${name}`, dataDir: path.join(outDir, `data/balanced-${name}`), withModel: false, env, cpus: cpu, appDir }));
    }
    const runs: Record<string, LoadRun[]> = Object.fromEntries(Object.keys(setups).map((label) => [label, []]));
    for (let pass = 0; pass < rounds; pass++) {
      for (const [label, names] of Object.entries(setups)) {
        const behind = names.map((name) => servers.get(name)!);
        const balancer = await startBalancer(behind.map((s) => Number(new URL(s.base).port)));
        try {
          runs[label].push(await mixedLoad(balancer.base, { servers: behind, balancer: balancer.pid, postmaster: postmasterPid() }, seconds, inFlight));
        } finally {
          balancer.stop();
        }
      }
    }
    return runs;
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    postgres.stop();
  }
}

export const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export async function twoServersBehindBalancer(): Promise<Figure[]> {
  const inFlight = 16;
  const seconds = 10;
  const runs = await balancedLoadRuns(
    [{ name: 'a', cpu: '0' }, { name: 'b', cpu: '1' }], { one: ['a'], two: ['a', 'b'] }, { seconds, inFlight },
  );
  const [one, two] = [meanOf(runs.one.map((r) => r.rps)), meanOf(runs.two.map((r) => r.rps))];
  const cpuShare = (run: LoadRun) => Object.entries(run.cpu).map(([k, v]) => `${k} ${round(v, 2)}`).join(', ');
  const latency = (list: LoadRun[]) => list.map((r) => `${round(r.p50, 1)} / ${round(r.p99, 1)}`).join(', ');
  return [{
    id: 'two-servers',
    title: `9. Gallery + search at ${LIBRARY / 1000}k on PostgreSQL: 2 servers behind haproxy / 1 (one core each, req/s)`,
    value: round(two, 0),
    unit: 'req/s',
    comparison: { label: '1 server', value: round(one, 0), unit: 'req/s', ratio: round(two / one, 2), ratioLabel: 'x' },
    target: { text: '>= 1.3x', met: two / one >= 1.3 },
    details: {
      'requests in flight': inFlight, 'seconds per run': seconds, 'pages, in turn': MIXED.join(' '),
      '1 server runs, req/s': runs.one.map((r) => round(r.rps, 0)).join(', '), '2 servers runs, req/s': runs.two.map((r) => round(r.rps, 0)).join(', '),
      '1 server p50 / p99 ms': latency(runs.one), '2 servers p50 / p99 ms': latency(runs.two),
      'cores busy with each, 1 server (last run)': cpuShare(runs.one.at(-1)!),
      'cores busy with each, 2 servers (last run)': cpuShare(runs.two.at(-1)!),
    },
  }];
}

type Processes = { servers: RunningServer[]; balancer: number; postmaster: number; loadGenerator?: number };

/**
 * `inFlight` connections of wrk (C, one thread), each asking for the next page of MIXED as soon as its last
 * answer is in: first 2 s to warm every server (its JIT, its pool's connections), then `seconds` measured.
 * The cores each part took are read over the measured run's middle, 1 s in and 1 s before its end.
 */
async function mixedLoad(base: string, processes: Processes, seconds: number, inFlight: number): Promise<LoadRun> {
  const client: Client = httpClient(base);
  let cookie: string;
  try {
    await client.login(VIEWER.username, VIEWER.password);
    cookie = client.cookieHeader();
  } finally {
    client.close();
  }
  const wrk = (runSeconds: number) => {
    const child = spawn('wrk', ['-t1', `-c${inFlight}`, `-d${runSeconds}s`, '--latency', '-s', path.join(repoRoot, 'bench/lib/mixed-load.lua'), base, '--', cookie, ...MIXED]);
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const done = new Promise<Record<string, string>>((resolve, reject) => {
      child.once('error', (err) => reject(new Error(`wrk did not start (bash .ci/services/install.sh installs it): ${err.message}`)));
      child.once('close', () => {
        const line = /^RESULT (.*)$/m.exec(out);
        if (!line) return reject(new Error(`wrk printed no result:\n${out}`));
        resolve(Object.fromEntries(line[1].split(' ').map((kv) => kv.split('=') as [string, string])));
      });
    });
    return { pid: child.pid!, done };
  };
  const checked = async (run: ReturnType<typeof wrk>) => {
    const result = await run.done;
    if (result.bad !== '0') throw new Error(`${result.bad} pages through the balancer did not answer 200 (the first: ${result.first_bad})`);
    return result;
  };
  await checked(wrk(2));
  const measured = wrk(seconds);
  await sleep(1000);
  const parts = { ...processes, loadGenerator: measured.pid };
  const before = cpuSeconds(parts);
  const started = performance.now();
  await sleep((seconds - 2) * 1000);
  const cpu = coresBusy(before, cpuSeconds(parts), (performance.now() - started) / 1000);
  const result = await checked(measured);
  return { rps: Number(result.requests) / Number(result.seconds), p50: Number(result.p50), p99: Number(result.p99), cpu };
}

/** CPU seconds used so far by each process of each part of the deployment, this benchmark's own among them (Linux /proc). */
function cpuSeconds({ servers, balancer, postmaster, loadGenerator }: Processes): Record<string, Map<number, number>> {
  const stat = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); // the fields after the command
    } catch {
      return undefined; // gone since
    }
  };
  // utime and stime, in clock ticks (100 a second on Linux).
  const of = (pids: number[]) => new Map(pids.map((pid) => {
    const fields = stat(pid);
    return [pid, fields ? (Number(fields[11]) + Number(fields[12])) / 100 : 0];
  }));
  const backends = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => stat(pid)?.[1] === String(postmaster));
  const parts: Record<string, Map<number, number>> = {};
  servers.forEach((s, i) => (parts[`server ${i + 1}`] = of([s.pid])));
  parts.postgres = of([postmaster, ...backends]);
  parts.haproxy = of([balancer]);
  parts['load generator (wrk)'] = of([loadGenerator!]);
  return parts;
}

/**
 * Cores each part kept busy between two readings: per process, what it used since the first (all of it for a
 * process started since). A process gone by the second reading (an idle pool connection closed) is left out.
 */
function coresBusy(before: ReturnType<typeof cpuSeconds>, after: ReturnType<typeof cpuSeconds>, wall: number): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([part, now]) => {
    let used = 0;
    for (const [pid, seconds] of now) used += seconds - (before[part].get(pid) ?? 0);
    return [part, used / wall];
  }));
}

function postmasterPid(): number {
  return Number(readFileSync(path.join(outDir, 'postgres/data/postmaster.pid'), 'utf8').split('\n')[0]);
}
