import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Whether the module of `meta` is the program that was run: `node scripts/x.ts`, or
 * `node scripts/with-node24.mjs node scripts/x.ts` (npm's scripts), which on Node 24 imports the
 * script in its own process, where `import.meta.main` is false for it.
 */
export const isMain = (meta: ImportMeta): boolean =>
  meta.main === true || (process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === meta.url);
