import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (no servers, files in parallel) and `integration` (real RabbitMQ and a
 * MongoDB-compatible server from test/global-setup.ts, one file at a time, because some suites
 * restart the broker or the database under everyone's feet).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['services/*/test/**/*.test.ts', 'scripts/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['services/*/test/**/*.integration.test.ts', 'test/**/*.integration.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
