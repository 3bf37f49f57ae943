// The real services themselves: PostgreSQL answers and hands out databases; the scripts leave no process behind.
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript, servicesScript } from '../helpers/services-setup.js';
import { freePort } from '../helpers/ports.js';
import { newDatabase, ownProxy, usePostgres, useSwift } from '../helpers/services.js';


/** Live processes (not zombies) whose command line holds `text`. */
function processesWith(text: string): string[] {
  return readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).flatMap((pid) => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
      return cmdline.includes(text) && state !== 'Z' ? [`${pid} ${cmdline}`] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
}

describe('PostgreSQL for the tests', () => {
  const postgres = usePostgres();

  it('when a test asks for a database, then it gets a new, empty one of its own on PostgreSQL', async () => {
    const url = await newDatabase(postgres!, 'services-test');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string; tables: string }>(
        "SELECT version(), (SELECT count(*) FROM pg_tables WHERE schemaname = 'public') AS tables");
      expect(rows[0].version).toMatch(/^PostgreSQL \d+/);
      expect(rows[0].tables).toBe('0');
    } finally {
      await client.end();
    }
  });

  describe('postgres.sh', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'postgres-script-'));
      chmodSync(dir, 0o755);
    });
    afterAll(async () => {
      await runScript([servicesScript('postgres'), 'stop', path.join(dir, 'pg')]);
      await rm(dir, { recursive: true, force: true });
    });

    it('when a cluster is stopped, then none of its processes is left, and stopping again is no error', async () => {
      const cluster = path.join(dir, 'pg');
      const port = await freePort();
      expect((await runScript([servicesScript('postgres'), 'start', cluster, String(port)])).code).toBe(0);
      expect(processesWith(cluster).length).toBeGreaterThan(0);
      expect(readFileSync(path.join(cluster, 'env'), 'utf8')).toContain(`@127.0.0.1:${port}/postgres`);
      expect((await runScript([servicesScript('postgres'), 'stop', cluster])).code).toBe(0);
      expect(processesWith(cluster)).toEqual([]);
      expect((await runScript([servicesScript('postgres'), 'stop', cluster])).code).toBe(0);
    });
  });
});

describe('swift.sh', () => {
  const swift = useSwift();

  it('when a proxy is stopped, then its process is gone and the store still answers through the others', async () => {
    const port = await freePort();
    const proxy = ownProxy(swift!, port);
    await proxy.start();
    const conf = path.join(swift!.dir, 'etc', `proxy-${port}.conf`);
    expect(processesWith(conf)).toHaveLength(1);
    await proxy.stop();
    expect(processesWith(conf)).toEqual([]);
    expect(existsSync(path.join(swift!.dir, 'run', `proxy-${port}.pid`))).toBe(false);
    expect((await fetch(`${swift!.s3.endpoint}/healthcheck`)).status).toBe(200);
  });
});
