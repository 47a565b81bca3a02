import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:containers`: the images built from the Dockerfile, run as containers (compose and
 * Testcontainers). Its own configuration, not a project of the root one, so that `npm test` does
 * not need a Docker engine; its files are *.spec.ts, which the root projects do not pick up. One
 * file at a time: each starts a whole stack, and the machine has two cores.
 */
export default defineConfig({
  root: join(import.meta.dirname, '..', '..'),
  test: {
    name: 'containers',
    include: ['test/containers/**/*.spec.ts'],
    globalSetup: ['test/containers/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});
