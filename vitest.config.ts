import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Simulation tests are CPU-bound; two cores, two workers.
    maxWorkers: 2,
    // A private redis-server on a free port for the BullMQ tests (REDIS_URL overrides).
    globalSetup: ['test/helpers/redis-global.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'core', include: ['test/**/*.test.ts'], exclude: ['test/bullmq/**', 'test/live/**'], sequence: { groupOrder: 0 } },
      },
      // Real-time runs (BullMQ on Redis, Prometheus scraping): after the CPU-bound tests, one file at a time, so that the
      // workers' lag measures the runtime and not a busy machine.
      {
        extends: true,
        test: {
          name: 'live',
          include: ['test/bullmq/**/*.test.ts', 'test/live/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
