// Figure 6 (start-up to the first GET /login answered 200, model loaded) and the first half of figure 5
// (resident memory right after start-up), each against the same server started without a model.
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Figure } from '../lib/figure.js';
import { outDir } from '../lib/paths.js';
import { startServer } from '../lib/server.js';
import { median, round, sleep } from '../lib/stats.js';

export async function startupAndMemory(runs = 3): Promise<Figure[]> {
  const dataDir = path.join(outDir, 'data/startup');
  rmSync(dataDir, { recursive: true, force: true });
  // The very first start also creates the database, the session secret and the demo account (one bcrypt hash).
  const first = await startServer({ name: 'startup', dataDir });
  const firstMs = first.startupMs;
  await first.stop();

  const withModel = { ms: [] as number[], rss: [] as number[] };
  const without = { ms: [] as number[], rss: [] as number[] };
  for (let i = 0; i < runs; i++) {
    for (const [model, into] of [[true, withModel], [false, without]] as const) {
      const server = await startServer({ name: model ? 'startup' : 'startup-no-model', dataDir, withModel: model });
      into.ms.push(server.startupMs);
      await sleep(1000); // let start-up garbage be collected: what stays is what the app keeps
      into.rss.push(server.rssMb());
      await server.stop();
    }
  }
  const ms = median(withModel.ms);
  const rss = median(withModel.rss);
  return [
    {
      id: 'memory-startup',
      title: '5a. RSS after start-up, model loaded',
      value: round(rss, 0),
      unit: 'MB',
      comparison: { label: 'without a model', value: round(median(without.rss), 0), unit: 'MB', ratio: round(rss / median(without.rss), 2), ratioLabel: 'x' },
      target: { text: '<= 350 MB', met: rss <= 350 },
      details: { 'RSS with model, each start (MB)': withModel.rss.map((v) => round(v, 0)).join(', ') },
    },
    {
      id: 'startup',
      title: '6. Start-up to first GET /login 200, model loaded',
      value: round(ms / 1000, 2),
      unit: 's',
      comparison: { label: 'without a model', value: round(median(without.ms) / 1000, 2), unit: 's', ratio: round(ms / median(without.ms), 2), ratioLabel: 'x' },
      target: { text: '<= 3 s', met: ms <= 3000 },
      details: {
        runs,
        'each start with model (s)': withModel.ms.map((v) => round(v / 1000, 2)).join(', '),
        'first start on an empty data dir (s)': round(firstMs / 1000, 2),
      },
    },
  ];
}
