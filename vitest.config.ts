import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and browser tests start real servers and Chromium; on a 2-core machine running
    // every file at once only adds contention.
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
  },
});
