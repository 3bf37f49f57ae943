// tsx bench/compare.ts BEFORE [--runs N] [--uploads N] [--after-env NAME=VALUE]
// tsx bench/compare.ts BEFORE --postgres-load [--runs N] [--before-sql FILE]
// Before/after for one optimisation, in one run: the app at commit BEFORE and the working tree, started in
// alternation on the same photos. Per start: start-up time, RSS after start-up, one upload of 100 JPEGs
// (img/s and GET /login p99 meanwhile), RSS after `uploads` uploads. With --postgres-load, instead: each on
// PostgreSQL, pinned to core 0, under figure 9's mixed load (req/s, and the cores PostgreSQL took); across a
// new migration, --before-sql FILE takes BEFORE's database back to its schema (its own copy of the library).
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { uploadAll } from './figures/ingest.js';
import { balancedLoadRuns, meanOf } from './figures/scaled-out.js';
import { httpClient } from './lib/client.js';
import { outDir } from './lib/paths.js';
import { benchPhotos } from './lib/photos.js';
import { startLoginSampler } from './lib/sampler.js';
import { VIEWER } from './lib/seed.js';
import { buildApp, buildAppAt, startServer } from './lib/server.js';
import { median, percentile, round, sleep } from './lib/stats.js';

const [before] = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const runs = flag('--runs', 3);
const beforeSql = process.argv.includes('--before-sql') ? process.argv[process.argv.indexOf('--before-sql') + 1] : undefined;
const uploads = flag('--uploads', 1);
// The same code both sides with `HEAD --after-env MALLOC_ARENA_MAX=2`: an environment setting's effect.
const afterEnvAt = process.argv.indexOf('--after-env');
const afterEnv: Record<string, string> = afterEnvAt >= 0 ? Object.fromEntries([process.argv[afterEnvAt + 1].split('=', 2)]) : {};
if (!before) throw new Error('usage: tsx bench/compare.ts BEFORE-COMMIT [--runs N] [--uploads N]');

type Sample = { startupS: number; rssStart: number; rate: number; p99: number; rssAfter: number };
const variants = { before: path.join(outDir, 'ab/before'), after: path.join(outDir, 'app') };
buildAppAt(before, variants.before);
buildApp(variants.after);

if (process.argv.includes('--postgres-load')) {
  const runs = await balancedLoadRuns(
    [{ name: 'before', cpu: '0', appDir: variants.before, undo: beforeSql && readFileSync(beforeSql, 'utf8') }, { name: 'after', cpu: '0', appDir: variants.after }],
    { before: ['before'], after: ['after'] }, { rounds: flag('--runs', 3) },
  );
  const rps = (name: string) => meanOf(runs[name].map((r) => r.rps));
  const pgMsPerRequest = (name: string) => meanOf(runs[name].map((r) => (1000 * r.cpu.postgres) / r.rps));
  console.log(`\nmeans of ${runs.before.length} runs, ${before} -> working tree, one server on PostgreSQL under the mixed load`);
  for (const name of ['before', 'after']) {
    console.log(`${name.padEnd(6)} ${runs[name].map((r) => round(r.rps, 0)).join(', ')} req/s (mean ${round(rps(name), 0)}); ` +
      `PostgreSQL CPU ${round(pgMsPerRequest(name), 2)} ms a request; server ${round(meanOf(runs[name].map((r) => r.cpu['server 1'])), 2)} of its core`);
  }
  console.log(`after/before: req/s ${round(rps('after') / rps('before'), 2)}, PostgreSQL CPU a request ${round(pgMsPerRequest('after') / pgMsPerRequest('before'), 2)}`);
  process.exit(0);
}

const photos = await benchPhotos(100);
const samples: Record<keyof typeof variants, Sample[]> = { before: [], after: [] };

for (let run = 0; run < runs; run++) {
  for (const name of ['before', 'after'] as const) {
    const dataDir = path.join(outDir, `data/ab-${name}`);
    rmSync(dataDir, { recursive: true, force: true });
    const env = name === 'after' ? afterEnv : {};
    const server = await startServer({ name: `ab-${name}`, dataDir, appDir: variants[name], env });
    try {
      await sleep(1000);
      const rssStart = server.rssMb();
      const client = httpClient(server.base);
      await client.login(VIEWER.username, VIEWER.password);
      const sampler = startLoginSampler(server.base);
      await sampler.ready;
      const first = await uploadAll(client, photos);
      const latencies = (await sampler.stop()).map((s) => s.ms);
      for (let i = 1; i < uploads; i++) await uploadAll(client, photos);
      await sleep(1000);
      samples[name].push({ startupS: server.startupMs / 1000, rssStart, rate: photos.length / (first.ms / 1000), p99: percentile(latencies, 99), rssAfter: server.rssMb() });
      client.close();
    } finally {
      await server.stop();
    }
    console.log(name, JSON.stringify(samples[name].at(-1), (_k, v) => (typeof v === 'number' ? round(v, 2) : v)));
  }
}

const keys: (keyof Sample)[] = ['startupS', 'rssStart', 'rate', 'p99', 'rssAfter'];
console.log(`\nmedians of ${runs} runs, ${before} -> working tree (${uploads} upload(s) of ${photos.length})`);
for (const key of keys) {
  const b = median(samples.before.map((s) => s[key]));
  const a = median(samples.after.map((s) => s[key]));
  console.log(`${key.padEnd(9)} before ${round(b, 2)}  after ${round(a, 2)}  after/before ${round(a / b, 2)}`);
}
process.exit(0);
