/**
 * Posts (or updates) the pull request's one comment of Terraform plans and preview, and writes
 * each whole plan to the step summary.
 *
 *   node scripts/plan-comment.ts --pr 42 --plan staging=DIR [--plan production=DIR ...]
 *     [--run-url URL] [--commit SHA] [--author github-actions[bot]]
 *   node scripts/plan-comment.ts --pr 42 --plan-file plan.txt [--name production] [--exit-code N] ...
 *   node scripts/plan-comment.ts --pr 42 --preview deployed|deploying|failed|removed
 *     [--preview-url URL] [--preview-images JSON] [--run-url URL] [--commit SHA]
 *   node scripts/plan-comment.ts --plan-file plan.txt --summary-only [--name production] [--exit-code N]
 *   node scripts/plan-comment.ts --plan-file plan.txt --digest
 *
 * --plan NAME=DIR reads DIR/plan.txt and DIR/exit-code.txt (terraform plan's exit code; a
 * missing plan is reported as such): one section per environment. --preview writes the
 * preview's section. Sections this run does not write are kept as they are, so plan.yml and
 * preview.yml share the comment.
 *
 * --digest prints the SHA-256 of the part of the plan a reviewer approves (what Terraform will do,
 * without the refresh and drift notes before it): the deploy workflow compares the plan it applies
 * with the one that was reviewed by this digest, so that no binary plan travels between jobs.
 *
 * The comment is the one of `--author` (default github-actions[bot], whom GITHUB_TOKEN writes as)
 * that starts with the hidden marker <!-- terraform-plan -->; `--author ''` accepts anybody's.
 * Needs GITHUB_TOKEN and GITHUB_REPOSITORY (owner/name) unless --summary-only; GITHUB_API_URL
 * defaults to https://api.github.com. Appends to $GITHUB_STEP_SUMMARY when that is set.
 * Exit codes: 0 done, 1 GitHub API error, 2 usage error.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type CommentInput,
  findComment,
  mergeSections,
  type PreviewStatus,
  planDigest,
  planMarkdown,
  previewMarkdown,
  type SectionUpdate,
  stepSummary,
  writeComment,
} from './lib/plan-comment.ts';

const MARKER = 'terraform-plan';
const PREVIEW_STATUSES = ['deploying', 'deployed', 'failed', 'removed'];
const usage =
  'usage: plan-comment (--pr NUMBER (--plan NAME=DIR ... | --plan-file FILE [--name N] [--exit-code N] | --preview STATUS [--preview-url URL] [--preview-images JSON]) | --plan-file FILE (--summary-only | --digest)) [--run-url URL] [--commit SHA] [--author LOGIN]';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let values: ReturnType<typeof parse>['values'];
function parse() {
  return parseArgs({
    options: {
      'plan-file': { type: 'string' },
      plan: { type: 'string', multiple: true, default: [] },
      pr: { type: 'string' },
      name: { type: 'string', default: 'production' },
      'exit-code': { type: 'string', default: '0' },
      preview: { type: 'string' },
      'preview-url': { type: 'string' },
      'preview-images': { type: 'string' },
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

/** The plans given: --plan-file (one, named --name) and every --plan NAME=DIR. */
function plans(): CommentInput[] {
  const common = { runUrl: values['run-url'], commit: values.commit };
  const given: CommentInput[] = [];
  if (values['plan-file']) {
    const exitCode = Number(values['exit-code']);
    if (!Number.isInteger(exitCode)) fail(usage, 2);
    given.push({
      marker: values.name,
      title: `Terraform plan: ${values.name}`,
      plan: readFileSync(values['plan-file'], 'utf8'),
      exitCode,
      ...common,
    });
  }
  for (const spec of values.plan) {
    const [name, dir] = [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)];
    if (!/^[a-z][a-z0-9]*$/.test(name) || !dir) fail(`--plan takes NAME=DIR, got ${spec}\n${usage}`, 2);
    const file = join(dir, 'plan.txt');
    const found = existsSync(file);
    const code = existsSync(join(dir, 'exit-code.txt')) ? Number(readFileSync(join(dir, 'exit-code.txt'), 'utf8')) : 1;
    given.push({
      marker: name,
      title: `Terraform plan: ${name}`,
      plan: found
        ? readFileSync(file, 'utf8')
        : 'Error: no plan: the plan job stopped before it wrote one (see the workflow run).',
      exitCode: found && Number.isInteger(code) ? code : 1,
      ...common,
    });
  }
  return given;
}

const given = plans();
if (process.env.GITHUB_STEP_SUMMARY) {
  for (const p of given) appendFileSync(process.env.GITHUB_STEP_SUMMARY, stepSummary(p));
}
if (values['summary-only']) {
  if (given.length === 0) fail(usage, 2);
  process.exit(0);
}

const pullRequest = Number(values.pr);
if (!Number.isInteger(pullRequest) || pullRequest < 1) fail(usage, 2);
const updates: SectionUpdate[] = given.map((p) => ({ key: p.marker, render: (limit) => planMarkdown(p, limit) }));
if (values.preview !== undefined) {
  if (!PREVIEW_STATUSES.includes(values.preview))
    fail(`--preview is one of ${PREVIEW_STATUSES.join(', ')}\n${usage}`, 2);
  let images: Record<string, string> | undefined;
  try {
    images = values['preview-images'] ? JSON.parse(values['preview-images']) : undefined;
  } catch {
    fail('--preview-images is not JSON', 2);
  }
  const preview: PreviewStatus = {
    status: values.preview as PreviewStatus['status'],
    url: values['preview-url'],
    commit: values.commit,
    runUrl: values['run-url'],
    images,
  };
  updates.unshift({ key: 'preview', render: () => ({ text: previewMarkdown(preview), truncated: false }) });
}
if (updates.length === 0) fail(usage, 2);
const token = process.env.GITHUB_TOKEN;
const repository = process.env.GITHUB_REPOSITORY;
if (!token || !repository) fail('GITHUB_TOKEN and GITHUB_REPOSITORY are required', 2);

try {
  const target = {
    apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com',
    token: token ?? '',
    repository: repository ?? '',
    pullRequest,
  };
  const existing = await findComment(target, MARKER, values.author || undefined);
  const { body, truncated } = mergeSections(MARKER, existing?.body, updates);
  const { id, action } = await writeComment(target, existing?.id, body);
  process.stdout.write(
    `${action} comment ${id} on #${pullRequest} (${updates.map((u) => u.key).join(', ')})${truncated ? ' (plan cut to fit; whole plan in the step summary)' : ''}\n`,
  );
} catch (err) {
  fail(err instanceof Error ? err.message : String(err), 1);
}
