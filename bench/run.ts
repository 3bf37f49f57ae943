// npm run bench [-- --json FILE] [--only startup,classifier,ingest,scale,backends,metadata,selection,near,alike] [--env NAME=VALUE ...]
// Prints the figures of the performance issues, each with the comparison it needs measured in this run.
import { execSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClassifierPool } from '../src/images/classifier-pool.js';
import { loadTfjsClassifier } from '../src/images/tfjs-classifier.js';
import { classifierOverhead, type ClassifierTimes } from './figures/classifier.js';
import { ingestAndResponsiveness } from './figures/ingest.js';
import { growthAfterIngest, tensorStability } from './figures/memory.js';
import { sharedCopyCost } from './figures/metadata.js';
import { selectionActions } from './figures/selection.js';
import { nearDuplicates } from './figures/near-duplicates.js';
import { similarImages } from './figures/alike.js';
import { searchAndGallery } from './figures/scale.js';
import { searchOnBothBackends } from './figures/backends.js';
import { ingestOnBothBackends, twoServersBehindBalancer } from './figures/scaled-out.js';
import { startupAndMemory } from './figures/startup.js';
import { httpClient } from './lib/client.js';
import type { Figure } from './lib/figure.js';
import { modelDir, outDir, repoRoot } from './lib/paths.js';
import { benchPhotos, totalBytes } from './lib/photos.js';
import { VIEWER } from './lib/seed.js';
import { buildApp, setServerEnv, startServer } from './lib/server.js';
import { sleep } from './lib/stats.js';

const args = process.argv.slice(2);
const jsonFile = valueOf('--json');
const only = valueOf('--only')?.split(',');
const wanted = (part: string) => !only || only.includes(part);
const serverEnv = Object.fromEntries(
  args.flatMap((a, i) => (args[i - 1] === '--env' && a.includes('=') ? [[a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]] : [])),
);
setServerEnv(serverEnv);

function valueOf(flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}

async function main() {
  const began = performance.now();
  const machine = {
    commit: git('rev-parse --short HEAD') + (git('status --porcelain -- src bench') ? ' (+ uncommitted changes in src/ or bench/)' : ''),
    node: process.version,
    cpus: `${os.availableParallelism()} x ${os.cpus()[0]?.model ?? 'unknown'}`,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    loadAverageBefore: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    cpuBusyBeforePercent: await cpuBusyPercent(2000),
    serverEnv: Object.entries(serverEnv).map(([k, v]) => `${k}=${v}`).join(' ') || 'none beyond PORT, DATA_DIR, UPLOAD_DIR, MODEL_DIR and MALLOC_ARENA_MAX=2 (as npm start)',
  };
  console.log(`Image Repo benchmarks: commit ${machine.commit}, Node ${machine.node}, ${machine.cpus}, ${machine.memoryGb} GB`);
  console.log(`servers run as: node dist/server.js; extra environment: ${machine.serverEnv}`);
  console.log(
    `before the run: load average ${machine.loadAverageBefore}, CPU ${machine.cpuBusyBeforePercent}% busy with other work ` +
      '(anything above a few per cent skews every figure, the absolute ones most)',
  );
  console.log('building the app (tsc -> bench/out/app/dist) and the test JPEGs...');
  buildApp();
  const photos = await benchPhotos(100);
  console.log(`${photos.length} JPEGs, 2 to 12 MP, ${(totalBytes(photos) / 2 ** 20).toFixed(0)} MB, in bench/out/`);

  const figures: Figure[] = [];
  const failures: string[] = [];
  /** A part that fails is reported and the others still run. */
  const part = async (name: string, work: () => Promise<void>) => {
    if (!wanted(name)) return;
    console.log(`${name}...`);
    try {
      await work();
    } catch (err) {
      console.error(`${name} failed:`, err);
      failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  await part('startup', async () => void figures.push(...(await startupAndMemory())));

  const inProcess = await loadTfjsClassifier(modelDir);
  let times: ClassifierTimes | undefined;
  let tensors = { before: NaN, after: NaN, workers: 0 };
  await part(wanted('classifier') ? 'classifier' : 'ingest', async () => {
    const pool = await createClassifierPool({ modelDir, size: os.availableParallelism() });
    const overhead = await classifierOverhead(photos, inProcess, pool);
    times = overhead.times;
    if (wanted('classifier')) figures.push(overhead.figure);
    if (wanted('ingest')) tensors = await tensorStability(pool, photos);
    await pool.close();
  });

  await part('ingest', async () => {
    const dataDir = path.join(outDir, 'data/ingest');
    rmSync(dataDir, { recursive: true, force: true });
    const server = await startServer({ name: 'ingest', dataDir });
    try {
      const client = httpClient(server.base);
      await client.login(VIEWER.username, VIEWER.password);
      await sleep(1000);
      const rssAfterStart = server.rssMb();
      figures.push(...(await ingestAndResponsiveness(server.base, client, photos, inProcess, times!.bareMs)));
      await sleep(1000);
      const rssAfterFirst = server.rssMb();
      figures.push(await growthAfterIngest(server, client, photos, rssAfterStart, rssAfterFirst, tensors));
      client.close();
    } finally {
      await server.stop();
    }
  });
  await inProcess.close();

  await part('scale', async () => void figures.push(...(await searchAndGallery())));
  await part('backends', async () => {
    figures.push(...(await searchOnBothBackends()));
    figures.push(...(await ingestOnBothBackends(photos)));
    figures.push(...(await twoServersBehindBalancer()));
  });
  await part('metadata', async () => void figures.push(await sharedCopyCost(photos)));
  await part('selection', async () => void figures.push(...(await selectionActions(photos))));
  await part('near', async () => void figures.push(...(await nearDuplicates(photos))));
  await part('alike', async () => void figures.push(...(await similarImages(photos))));

  const seconds = (performance.now() - began) / 1000;
  printTable(figures);
  console.log(`\n${figures.filter((f) => f.target.met).length} of ${figures.length} targets met; the run took ${seconds.toFixed(0)} s.`);
  for (const failure of failures) console.log(`FAILED ${failure}`);
  if (failures.length > 0) process.exitCode = 1;
  if (jsonFile) {
    writeFileSync(path.resolve(jsonFile), JSON.stringify({ machine, seconds: Math.round(seconds), figures, failures }, null, 2) + '\n');
    console.log(`figures written to ${jsonFile}`);
  }
}

function printTable(figures: Figure[]) {
  const rows = figures.map((f) => [
    f.title,
    `${f.value} ${f.unit}`,
    f.comparison ? `${f.comparison.label}: ${f.comparison.value} ${f.comparison.unit}` : '',
    f.comparison ? `${f.comparison.ratio}${f.comparison.ratioLabel}` : '',
    f.target.text,
    f.target.met ? 'yes' : 'NO',
  ]);
  const head = ['figure', 'value', 'compared with (same run)', 'ratio', 'target', 'met'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log('\n' + line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
  for (const f of figures) {
    console.log(`\n${f.title}`);
    for (const [k, v] of Object.entries(f.details)) console.log(`  ${k}: ${v}`);
  }
}

/** How busy all cores are over `ms`, from /proc/stat (nothing of the benchmark's runs yet). */
async function cpuBusyPercent(ms: number): Promise<number> {
  const read = () => {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const values = fields.map(Number);
    const idle = values[3] + values[4];
    return { idle, total: values.reduce((a, b) => a + b, 0) };
  };
  try {
    const a = read();
    await sleep(ms);
    const b = read();
    return Math.round(100 * (1 - (b.idle - a.idle) / (b.total - a.total)));
  } catch {
    return NaN;
  }
}

function git(command: string): string {
  try {
    return execSync(`git ${command}`, { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
