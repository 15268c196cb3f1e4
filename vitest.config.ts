import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A private redis-server on a free port for the BullMQ tests (REDIS_URL overrides).
    globalSetup: ['test/helpers/redis-global.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Simulation tests are CPU-bound; two cores, two workers.
    maxWorkers: 2,
  },
});
