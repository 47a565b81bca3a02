/**
 * Posts (or updates) the pull request's Terraform plan comment, and writes the whole plan to the
 * step summary.
 *
 *   node scripts/plan-comment.ts --plan-file plan.txt --pr 42 [--name production] [--exit-code N]
 *     [--run-url URL] [--commit SHA] [--author github-actions[bot]]
 *   node scripts/plan-comment.ts --plan-file plan.txt --summary-only [--name production] [--exit-code N]
 *   node scripts/plan-comment.ts --plan-file plan.txt --digest
 *
 * --digest prints the SHA-256 of the part of the plan a reviewer approves (what Terraform will do,
 * without the refresh and drift notes before it): the deploy workflow compares the plan it applies
 * with the one that was reviewed by this digest, so that no binary plan travels between jobs.
 *
 * The comment is the one of `--author` (default github-actions[bot], whom GITHUB_TOKEN writes as)
 * that starts with the hidden marker <!-- terraform-plan:NAME -->; `--author ''` accepts anybody's.
 * Needs GITHUB_TOKEN and GITHUB_REPOSITORY (owner/name) unless --summary-only; GITHUB_API_URL
 * defaults to https://api.github.com. Appends to $GITHUB_STEP_SUMMARY when that is set.
 * Exit codes: 0 done, 1 GitHub API error, 2 usage error.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { commentBody, planDigest, stepSummary, upsertComment } from './lib/plan-comment.ts';

const usage =
  'usage: plan-comment --plan-file FILE (--pr NUMBER | --summary-only | --digest) [--name N] [--exit-code N] [--run-url URL] [--commit SHA] [--author LOGIN]';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let values: ReturnType<typeof parse>['values'];
function parse() {
  return parseArgs({
    options: {
      'plan-file': { type: 'string' },
      pr: { type: 'string' },
      name: { type: 'string', default: 'production' },
      'exit-code': { type: 'string', default: '0' },
      'run-url': { type: 'string' },
      commit: { type: 'string' },
      author: { type: 'string', default: 'github-actions[bot]' },
      'summary-only': { type: 'boolean', default: false },
      digest: { type: 'boolean', default: false },
    },
  });
}
try {
  values = parse().values;
} catch (err) {
  fail(`${err instanceof Error ? err.message : String(err)}\n${usage}`, 2);
}
if (values.digest) {
  if (!values['plan-file']) fail(usage, 2);
  try {
    process.stdout.write(`${planDigest(readFileSync(values['plan-file'], 'utf8'))}\n`);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err), 2);
  }
  process.exit(0);
}
const summaryOnly = values['summary-only'];
const pullRequest = Number(values.pr);
const exitCode = Number(values['exit-code']);
if (!values['plan-file'] || !Number.isInteger(exitCode)) fail(usage, 2);
if (!summaryOnly && (!Number.isInteger(pullRequest) || pullRequest < 1)) fail(usage, 2);
const token = process.env.GITHUB_TOKEN;
const repository = process.env.GITHUB_REPOSITORY;
if (!summaryOnly && (!token || !repository)) fail('GITHUB_TOKEN and GITHUB_REPOSITORY are required', 2);

const input = {
  marker: `terraform-plan:${values.name}`,
  title: `Terraform plan: ${values.name}`,
  plan: readFileSync(values['plan-file'], 'utf8'),
  exitCode,
  runUrl: values['run-url'],
  commit: values.commit,
};
if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, stepSummary(input));
if (summaryOnly) process.exit(0);

const { body, truncated } = commentBody(input);
try {
  const { id, action } = await upsertComment(
    {
      apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com',
      token: token ?? '',
      repository: repository ?? '',
      pullRequest,
    },
    input.marker,
    body,
    values.author || undefined,
  );
  process.stdout.write(
    `${action} comment ${id} on #${pullRequest}${truncated ? ' (plan cut to fit; whole plan in the step summary)' : ''}\n`,
  );
} catch (err) {
  fail(err instanceof Error ? err.message : String(err), 1);
}
