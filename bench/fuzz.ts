/**
 * `npm run fuzz`: schemathesis (PyPI) against each service's OpenAPI document, through
 * `npm start` with the embedded backends, with every check on, a bounded number of examples per
 * operation and a fixed seed. Passes only with zero server errors and zero responses that break
 * the documented schema (or any other schemathesis check). Prints a table, writes
 * bench/results-fuzz.json.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceNames } from '../scripts/lib/services.ts';
import { startPlatform } from './platform.ts';

const examples = Number(process.env.FUZZ_EXAMPLES ?? 40);
const seed = process.env.FUZZ_SEED ?? '20261124';
const services = serviceNames();

function st(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(
      'st',
      args,
      { maxBuffer: 50 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
          resolve({ code: 127, out: "schemathesis is not installed: pip install 'schemathesis==4.32.5'" });
        } else resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr });
      },
    ),
  );
}

const platform = await startPlatform();
const rows: Array<{ service: string; generated: number; failures: number; ok: boolean; detail: string }> = [];
try {
  for (const service of services) {
    const { code, out } = await st([
      '--config-file',
      join(import.meta.dirname, 'fuzz.toml'),
      'run',
      `${platform.url}/${service}/openapi.json`,
      '--url',
      platform.url,
      '--header',
      `Authorization: Bearer ${platform.adminToken}`,
      '--checks',
      'all',
      '--max-examples',
      String(examples),
      '--seed',
      seed,
      '--no-color',
    ]);
    const generated = Number(out.match(/(\d+) generated/)?.[1] ?? 0);
    const failures = Number(out.match(/found (\d+) unique failure/)?.[1] ?? (code === 0 ? 0 : 1));
    rows.push({
      service,
      generated,
      failures,
      ok: code === 0,
      detail: code === 0 ? '' : out.slice(out.indexOf('FAILURES')).slice(0, 4000),
    });
  }
} finally {
  await platform.stop();
}

process.stdout.write('\nschemathesis, every check, through npm start (embedded):\n');
process.stdout.write(`${'service'.padEnd(10)} ${'cases'.padStart(7)} ${'failures'.padStart(9)}  result\n`);
for (const r of rows)
  process.stdout.write(
    `${r.service.padEnd(10)} ${String(r.generated).padStart(7)} ${String(r.failures).padStart(9)}  ${r.ok ? 'PASS' : 'FAIL'}\n`,
  );
for (const r of rows.filter((x) => !x.ok)) process.stdout.write(`\n--- ${r.service}\n${r.detail}\n`);
writeFileSync(
  join(import.meta.dirname, 'results-fuzz.json'),
  `${JSON.stringify({ examples, seed, rows: rows.map(({ detail: _, ...r }) => r) }, null, 2)}\n`,
);
process.exit(rows.every((r) => r.ok) ? 0 : 1);
