/**
 * Posts (or updates) the pull request's Terraform plan comment.
 *
 *   node scripts/plan-comment.ts --plan-file plan.txt --pr 42 [--name production] [--run-url URL] [--commit SHA]
 *
 * Needs GITHUB_TOKEN and GITHUB_REPOSITORY (owner/name); GITHUB_API_URL defaults to
 * https://api.github.com. Appends the whole plan to $GITHUB_STEP_SUMMARY when that is set.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { commentBody, stepSummary, upsertComment } from './lib/plan-comment.ts';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const { values } = parseArgs({
  options: {
    'plan-file': { type: 'string' },
    pr: { type: 'string' },
    name: { type: 'string', default: 'production' },
    'run-url': { type: 'string' },
    commit: { type: 'string' },
  },
});
const token = process.env.GITHUB_TOKEN;
const repository = process.env.GITHUB_REPOSITORY;
const pullRequest = Number(values.pr);
if (!values['plan-file'] || !Number.isInteger(pullRequest) || pullRequest < 1)
  fail('usage: plan-comment --plan-file FILE --pr NUMBER [--name N] [--run-url URL] [--commit SHA]', 2);
if (!token || !repository) fail('GITHUB_TOKEN and GITHUB_REPOSITORY are required', 2);

const input = {
  marker: `terraform-plan:${values.name}`,
  title: `Terraform plan: ${values.name}`,
  plan: readFileSync(values['plan-file'], 'utf8'),
  runUrl: values['run-url'],
  commit: values.commit,
};
const { body, truncated } = commentBody(input);
if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, stepSummary(input));
try {
  const { id, action } = await upsertComment(
    { apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com', token, repository, pullRequest },
    input.marker,
    body,
  );
  process.stdout.write(
    `${action} comment ${id} on #${pullRequest}${truncated ? ' (plan cut to fit; whole plan in the step summary)' : ''}\n`,
  );
} catch (err) {
  fail(err instanceof Error ? err.message : String(err), 1);
}
