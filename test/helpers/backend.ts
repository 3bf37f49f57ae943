// Which backend the suite runs on: SQLite and the local disk (the default), or PostgreSQL and S3 (Swift) with
// TEST_BACKEND=postgres. npm test runs the suite once on each (test/vitest.config.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { newBucket, swiftOf } from './services.js';
import type { Db } from '../../src/db/index.js';
import { openPostgres } from '../../src/db/postgres.js';
import { openSqlite } from '../../src/db/sqlite.js';

export type TestBackend = 'sqlite' | 'postgres';
export const testBackend: TestBackend = process.env.TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
export const onPostgres = testBackend === 'postgres';

const SESSION_SECRET = 'test-secret-that-is-long-enough-for-the-check';

function started(name: 'postgres' | 'swift') {
  const service = inject('services')[name];
  if ('unavailable' in service) throw new Error(`TEST_BACKEND=postgres needs ${name}: ${service.unavailable}`);
  return service;
}

/** A schema of its own in the test database: as separate as a database of its own, and made in milliseconds. */
export async function newSchemaUrl(): Promise<string> {
  const base = started('postgres').env.DATABASE_URL;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** A new, empty bucket in the test Swift, and the S3_* settings that store into it. */
export async function newBucketEnv(): Promise<Record<string, string>> {
  const s3 = await newBucket(swiftOf(started('swift')), 't');
  return {
    S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint!, S3_REGION: s3.region, S3_FORCE_PATH_STYLE: 'true',
    S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
}

/** The settings that put a new app on the suite's backend: none for SQLite + disk. */
export async function testDatabaseEnv(): Promise<Record<string, string>> {
  if (!onPostgres) return {};
  const [url, bucket] = await Promise.all([newSchemaUrl(), newBucketEnv()]);
  return { DATABASE_URL: url, SESSION_SECRET, ...bucket };
}

/** A new, migrated database on the suite's backend, for tests of the data layer itself. */
export async function testDatabase(): Promise<Db> {
  return onPostgres ? openPostgres(await newSchemaUrl(), { poolSize: 4 }) : openSqlite(':memory:');
}
