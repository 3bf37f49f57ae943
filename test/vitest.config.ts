import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    // Real PostgreSQL and Swift (S3) for the tests that need them: started once per run, stopped after.
    globalSetup: ['test/helpers/services-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: real-model and browser suites are heavy, so run files two at a time.
    maxWorkers: 2,
  },
});
