import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/count-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Fixture runs are real child processes with real heap snapshots; two cores, so keep it to two files at a time.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
