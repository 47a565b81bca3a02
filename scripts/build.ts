/**
 * `npm run build [service...]`: bundles each service with esbuild into services/<name>/dist/:
 * main.mjs (one minified ESM file, all dependencies inside), its source map, and healthcheck.mjs;
 * and each one-off task services/<name>/src/tasks/<script>.ts into tasks/<script>.mjs beside them
 * (what `npm run run-task -- <service> <script>` runs: the image has node and no shell).
 * The result runs with plain `node main.mjs`, no node_modules: that is what the image ships.
 */
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { isMain } from './lib/main.ts';
import { serviceNames } from './lib/services.ts';

const root = join(import.meta.dirname, '..');

/**
 * Optional native or cloud add-ons of the MongoDB driver, loaded with require() inside try/catch.
 * Left out of the bundle, the require fails and the driver runs without them (no Kerberos, no
 * client-side field-level encryption, no snappy/zstd compression), which this platform does not use.
 */
const optional = [
  'kerberos',
  'mongodb-client-encryption',
  '@mongodb-js/zstd',
  'snappy',
  '@aws-sdk/credential-providers',
  'gcp-metadata',
  'socks',
  'aws4',
];

/** The service's one-off tasks: services/<name>/src/tasks/<script>.ts, by script name. */
export async function taskEntries(service: string): Promise<Record<string, string>> {
  const dir = join(root, 'services', service, 'src', 'tasks');
  if (!existsSync(dir)) return {};
  const files = (await readdir(dir)).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'),
  );
  return Object.fromEntries(files.sort().map((f) => [`tasks/${f.slice(0, -3)}`, join(dir, f)]));
}

/** `outdir` defaults to services/<name>/dist; tests give one of their own, so that parallel builds do not meet. */
export async function bundle(
  service: string,
  outdir = join(root, 'services', service, 'dist'),
): Promise<{ service: string; bytes: number; mapBytes: number; tasks: string[] }> {
  const tasks = await taskEntries(service);
  await rm(join(outdir, 'tasks'), { recursive: true, force: true }); // no task left from an earlier build
  const common = {
    bundle: true,
    platform: 'node' as const,
    target: 'node24',
    format: 'esm' as const,
    minify: true,
    legalComments: 'none' as const,
    logLevel: 'warning' as const,
    // CommonJS dependencies call require(); give the ES module one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  };
  await build({
    ...common,
    entryPoints: { main: join(root, 'services', service, 'src', 'main.ts'), ...tasks },
    outdir,
    outExtension: { '.js': '.mjs' },
    sourcemap: 'linked',
    sourcesContent: false,
    external: optional,
    alias: {
      'whatwg-url': join(root, 'scripts', 'shims', 'whatwg-url.ts'),
      '@mongodb-js/saslprep': join(root, 'scripts', 'shims', 'saslprep.cjs'),
    },
  });
  await build({
    ...common,
    entryPoints: { healthcheck: join(root, 'services', 'shared', 'src', 'healthcheck.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    banner: {},
  });
  const [main, map] = await Promise.all([stat(join(outdir, 'main.mjs')), stat(join(outdir, 'main.mjs.map'))]);
  return { service, bytes: main.size, mapBytes: map.size, tasks: Object.keys(tasks).map((t) => t.slice(6)) };
}

if (isMain(import.meta)) {
  const asked = process.argv.slice(2);
  const known = serviceNames();
  const unknown = asked.filter((s) => !known.includes(s));
  if (unknown.length > 0) {
    process.stderr.write(`unknown service(s): ${unknown.join(', ')}; known: ${known.join(', ')}\n`);
    process.exit(2);
  }
  for (const service of asked.length > 0 ? asked : known) {
    const started = performance.now();
    const { bytes, mapBytes, tasks } = await bundle(service);
    const extra = tasks.length > 0 ? `, tasks: ${tasks.join(', ')}` : '';
    process.stdout.write(
      `${service}: dist/main.mjs ${(bytes / 1024).toFixed(0)} KiB (+ map ${(mapBytes / 1024).toFixed(0)} KiB)${extra} in ${Math.round(performance.now() - started)} ms\n`,
    );
  }
}
