/**
 * The pull-request previews' housekeeping (preview-sweep.yml):
 *
 *   node scripts/preview.ts stale --keys JSON
 *
 * --keys is the state bucket's keys under previews/ (aws s3api list-objects-v2 ... --query
 * 'Contents[].Key' --output json: a list, or null when there is none). Prints the pull requests
 * whose preview outlived them and writes `prs` (a JSON list) to $GITHUB_OUTPUT when set.
 * Needs GITHUB_TOKEN and GITHUB_REPOSITORY (owner/name); GITHUB_API_URL defaults to
 * https://api.github.com. Exit codes: 0 done, 1 GitHub API error, 2 usage error.
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stalePreviews } from './lib/previews.ts';

const usage = 'usage: preview stale --keys JSON';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let parsed: { values: { keys?: string | undefined }; positionals: string[] } = { values: {}, positionals: [] };
try {
  parsed = parseArgs({ allowPositionals: true, options: { keys: { type: 'string' } } });
} catch (err) {
  fail(`${err instanceof Error ? err.message : String(err)}\n${usage}`, 2);
}
if (parsed.positionals[0] !== 'stale' || parsed.values.keys === undefined) fail(usage, 2);
let keys: string[] | null = null;
try {
  keys = JSON.parse(parsed.values.keys ?? '') as string[] | null;
} catch {
  fail(`--keys is not JSON\n${usage}`, 2);
}
if (keys !== null && !(Array.isArray(keys) && keys.every((k) => typeof k === 'string')))
  fail('--keys is a list of keys', 2);
const token = process.env.GITHUB_TOKEN;
const repository = process.env.GITHUB_REPOSITORY;
if (!token || !repository) fail('GITHUB_TOKEN and GITHUB_REPOSITORY are required', 2);

try {
  const stale = await stalePreviews(keys, {
    apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com',
    token: token ?? '',
    repository: repository ?? '',
  });
  process.stdout.write(
    stale.length > 0
      ? `previews of closed pull requests: ${stale.map((n) => `#${n}`).join(', ')}\n`
      : 'no stale preview\n',
  );
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `prs=${JSON.stringify(stale)}\n`);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err), 1);
}
