import { defineConfig } from 'vitest/config';

/**
 * Tests that never reach the database or the image storage, or that choose their backend themselves (the
 * server processes started with a given configuration): one run of them is enough. Every other test runs
 * twice, once per backend: SQLite + the local disk, then PostgreSQL + S3 (Swift).
 */
const ONE_RUN = [
  'test/model/**', 'test/unit/!(session-store|pending-files|shared-sweep|image-totals).test.ts', 'test/storage/!(app-on-s3).test.ts', 'test/process/**',
  'test/reliability/decode-flood.test.ts', 'test/security/slow-headers.test.ts',
  'test/reliability/database-outage.test.ts', 'test/reliability/multi-server.test.ts', // PostgreSQL and S3 of their own
  'test/reliability/backup.test.ts', // npm run backup copies the SQLite file; PostgreSQL's backup is pg_dump
];

/**
 * Tests that take the whole machine on purpose (50 connections as fast as they go, for 30 s): beside another
 * file they starve its browser steps past their timeouts, so they run after everything else, one at a time.
 */
const ALONE = ['test/reliability/load.test.ts'];

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    // Real PostgreSQL and Swift (S3) for the tests that need them: started once per run, stopped after.
    globalSetup: ['test/helpers/services-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: real-model and browser suites are heavy, so run files two at a time.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: ALONE, env: { TEST_BACKEND: 'sqlite' }, sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: { name: 'postgres', include: ['test/**/*.test.ts'], exclude: [...ONE_RUN, ...ALONE], env: { TEST_BACKEND: 'postgres' }, sequence: { groupOrder: 0 } },
      },
      { extends: true, test: { name: 'sqlite-alone', include: ALONE, env: { TEST_BACKEND: 'sqlite' }, maxWorkers: 1, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'postgres-alone', include: ALONE, env: { TEST_BACKEND: 'postgres' }, maxWorkers: 1, sequence: { groupOrder: 2 } } },
    ],
  },
});
