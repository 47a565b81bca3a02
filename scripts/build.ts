/**
 * `npm run build [service...]`: bundles each service with esbuild into services/<name>/dist/:
 * main.mjs (one minified ESM file, all dependencies inside), its source map, and healthcheck.mjs.
 * The result runs with plain `node main.mjs`, no node_modules: that is what the image ships.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

export const SERVICES = ['customer', 'products', 'shopping'] as const;
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

export async function bundle(service: string): Promise<{ service: string; bytes: number; mapBytes: number }> {
  const outdir = join(root, 'services', service, 'dist');
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
    entryPoints: { main: join(root, 'services', service, 'src', 'main.ts') },
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
  return { service, bytes: main.size, mapBytes: map.size };
}

if (import.meta.main) {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((s) => !SERVICES.includes(s as never));
  if (unknown.length > 0) {
    process.stderr.write(`unknown service(s): ${unknown.join(', ')}; known: ${SERVICES.join(', ')}\n`);
    process.exit(2);
  }
  for (const service of asked.length > 0 ? asked : SERVICES) {
    const started = performance.now();
    const { bytes, mapBytes } = await bundle(service);
    process.stdout.write(
      `${service}: dist/main.mjs ${(bytes / 1024).toFixed(0)} KiB (+ map ${(mapBytes / 1024).toFixed(0)} KiB) in ${Math.round(performance.now() - started)} ms\n`,
    );
  }
}
