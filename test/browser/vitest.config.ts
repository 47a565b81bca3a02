import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser`: npm start's API reference pages in a real browser (headless Chromium,
 * `apt-get install chromium-headless-shell`): Swagger UI renders and calls the API under the
 * pages' Content-Security-Policy and fetches nothing from anywhere else. Its own configuration,
 * like test:containers, so that `npm test` needs no browser; its files are *.spec.ts.
 */
export default defineConfig({
  root: join(import.meta.dirname, '..', '..'),
  test: {
    name: 'browser',
    include: ['test/browser/**/*.spec.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
