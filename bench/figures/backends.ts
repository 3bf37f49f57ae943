// Figure 7: the same search and gallery page at 100,000 images on SQLite and on PostgreSQL, both servers up at
// once and asked in alternation. The PostgreSQL library is seeded through the same repository as SQLite's.
import path from 'node:path';
import type { Figure } from '../lib/figure.js';
import { httpClient, type Client } from '../lib/client.js';
import { outDir } from '../lib/paths.js';
import { startPostgres } from '../lib/services.js';
import { SEARCHED_OWNER, seedDatabase, seededDataDir, VIEWER } from '../lib/seed.js';
import { startServer } from '../lib/server.js';
import { median, percentile, round } from '../lib/stats.js';
import { openPostgres } from '../../src/db/postgres.js';

const SEARCH = `/search?q=${encodeURIComponent(`dog,red,${SEARCHED_OWNER}`)}`;
const SESSION_SECRET = 'the-benchmark-servers-share-this-secret';

export async function searchOnBothBackends(rounds = 400): Promise<Figure[]> {
  await seededDataDir(path.join(outDir, 'data/backends-sqlite'), 100_000);
  const postgres = await startPostgres();
  try {
    const db = await openPostgres(postgres.url, { poolSize: 8 });
    const seeded = await seedDatabase(db, 100_000);
    await db.close();
    const env = { DATABASE_URL: postgres.url, SESSION_SECRET };
    const sqliteServer = await startServer({ name: 'backends-sqlite', dataDir: path.join(outDir, 'data/backends-sqlite'), withModel: false });
    const pgServer = await startServer({ name: 'backends-postgres', dataDir: path.join(outDir, 'data/backends-postgres'), withModel: false, env });
    try {
      const [onSqlite, onPostgres] = [httpClient(sqliteServer.base), httpClient(pgServer.base)];
      await onSqlite.login(VIEWER.username, VIEWER.password);
      await onPostgres.login(VIEWER.username, VIEWER.password);
      const timed = async (client: Client, url: string) => {
        const reply = await client.get(url);
        if (reply.status !== 200) throw new Error(`GET ${url}: ${reply.status}`);
        return reply.ms;
      };
      const samples = { sqlite: [] as number[], postgres: [] as number[], gallerySqlite: [] as number[], galleryPostgres: [] as number[] };
      for (let i = 0; i < rounds + 40; i++) {
        const t = [await timed(onSqlite, SEARCH), await timed(onPostgres, SEARCH), await timed(onSqlite, '/'), await timed(onPostgres, '/')];
        if (i < 40) continue; // warm-up
        samples.sqlite.push(t[0]);
        samples.postgres.push(t[1]);
        samples.gallerySqlite.push(t[2]);
        samples.galleryPostgres.push(t[3]);
      }
      onSqlite.close();
      onPostgres.close();
      const [pg50, sq50] = [median(samples.postgres), median(samples.sqlite)];
      const [gpg, gsq] = [median(samples.galleryPostgres), median(samples.gallerySqlite)];
      return [
        {
          id: 'search-postgres',
          title: `7a. Search "dog,red,${SEARCHED_OWNER}" at 100k on PostgreSQL / on SQLite (p50)`,
          value: round(pg50, 2),
          unit: 'ms',
          comparison: { label: 'SQLite', value: round(sq50, 2), unit: 'ms', ratio: round(pg50 / sq50, 2), ratioLabel: 'x' },
          target: { text: '<= 2x and <= 10 ms', met: pg50 / sq50 <= 2 && pg50 <= 10 },
          details: {
            'postgres seed seconds': round(seeded.seconds, 1), 'postgres search terms rows': seeded.terms,
            'postgres search p99 ms': round(percentile(samples.postgres, 99), 2), 'sqlite search p99 ms': round(percentile(samples.sqlite, 99), 2),
            rounds,
          },
        },
        {
          id: 'gallery-postgres',
          title: '7b. Gallery page 1 at 100k on PostgreSQL / on SQLite (p50)',
          value: round(gpg, 2),
          unit: 'ms',
          comparison: { label: 'SQLite', value: round(gsq, 2), unit: 'ms', ratio: round(gpg / gsq, 2), ratioLabel: 'x' },
          target: { text: 'measured (no target)', met: true },
          details: { 'postgres gallery p99 ms': round(percentile(samples.galleryPostgres, 99), 2), 'sqlite gallery p99 ms': round(percentile(samples.gallerySqlite, 99), 2) },
        },
      ];
    } finally {
      await Promise.all([sqliteServer.stop(), pgServer.stop()]);
    }
  } finally {
    postgres.stop();
  }
}
