/**
 * scripts/plan-comment.ts against a fake GitHub API of our own (create, then update the same
 * comment, its marker found on a later page and only in our own comments, truncation to the
 * comment limit with the whole plan in the step summary), run as the workflow runs it: a child
 * process. And the digest the deploy workflow compares a second plan with the reviewed one by.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  COMMENT_LIMIT,
  mergeSections,
  parseSections,
  planDigest,
  planMarkdown,
  resourceChanges,
  summarizePlan,
  truncate,
  truncateBytes,
} from '../lib/plan-comment.ts';

const script = join(import.meta.dirname, '..', 'plan-comment.ts');

interface Comment {
  id: number;
  body: string;
  user: { login: string };
}

const bot = { login: 'github-actions[bot]' };

/** Issue comments of one pull request, paginated 100 at a time like GitHub's. */
async function fakeGitHub(initial: Comment[] = []) {
  const comments = [...initial];
  const calls: string[] = [];
  let nextId = 1000;
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => resolve(raw));
    });
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    calls.push(`${req.method} ${url.pathname}${url.search}`);
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== 'Bearer test-token') {
      res.statusCode = 401;
      return res.end('{"message":"Bad credentials"}');
    }
    const body = await read(req);
    if (req.method === 'GET' && url.pathname === '/repos/acme/shop/issues/7/comments') {
      const page = Number(url.searchParams.get('page') ?? 1);
      const per = Number(url.searchParams.get('per_page') ?? 30);
      return res.end(JSON.stringify(comments.slice((page - 1) * per, page * per)));
    }
    if (req.method === 'POST' && url.pathname === '/repos/acme/shop/issues/7/comments') {
      const text = JSON.parse(body).body as string;
      if (text.length > COMMENT_LIMIT) {
        res.statusCode = 422;
        return res.end('{"message":"Body is too long (maximum is 65536 characters)"}');
      }
      const comment = { id: nextId++, body: text, user: bot };
      comments.push(comment);
      res.statusCode = 201;
      return res.end(JSON.stringify(comment));
    }
    const patch = url.pathname.match(/^\/repos\/acme\/shop\/issues\/comments\/(\d+)$/);
    if (req.method === 'PATCH' && patch) {
      const comment = comments.find((c) => c.id === Number(patch[1]));
      if (!comment) {
        res.statusCode = 404;
        return res.end('{}');
      }
      comment.body = JSON.parse(body).body;
      return res.end(JSON.stringify(comment));
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    comments,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

const runUrl = 'https://github.com/acme/shop/actions/runs/1';

async function run(api: string, plan: string, extraArgs: string[] = ['--run-url', runUrl]) {
  const dir = mkdtempSync(join(tmpdir(), 'plan-'));
  const file = join(dir, 'plan.txt');
  const summary = join(dir, 'summary.md');
  writeFileSync(file, plan);
  const result = await new Promise<{ code: number; out: string }>((resolve) =>
    execFile(
      process.execPath,
      [script, '--plan-file', file, '--pr', '7', '--name', 'production', '--commit', '0123456789abcdef', ...extraArgs],
      {
        env: {
          PATH: process.env.PATH ?? '',
          GITHUB_TOKEN: 'test-token',
          GITHUB_REPOSITORY: 'acme/shop',
          GITHUB_API_URL: api,
          GITHUB_STEP_SUMMARY: summary,
        },
      },
      (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr }),
    ),
  );
  return { ...result, summary: readFileSync(summary, 'utf8') };
}

const plan = (n: number) =>
  `Terraform will perform the following actions:\n\n  # aws_ecs_service.x will be updated\n\nPlan: ${n} to add, 1 to change, 0 to destroy.\n`;

describe('plan comment', () => {
  it('creates the comment once, then updates that same comment', async () => {
    const gh = await fakeGitHub([
      { id: 1, body: 'Looks good to me', user: { login: 'alice' } },
      { id: 2, body: 'Coverage: 91%', user: bot }, // another workflow's comment
    ]);
    cleanup.push(gh.close);
    const first = await run(gh.url, plan(3));
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain('created comment 1000 on #7');
    const second = await run(gh.url, plan(5));
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain('updated comment 1000 on #7');
    expect(gh.comments).toHaveLength(3);
    expect(gh.comments[1]?.body).toBe('Coverage: 91%');
    const ours = gh.comments.find((c) => c.id === 1000)?.body ?? '';
    expect(
      ours.startsWith('<!-- terraform-plan -->\n<!-- section:production -->\n### Terraform plan: production'),
    ).toBe(true);
    expect(ours).toContain('**Plan: 5 to add, 1 to change, 0 to destroy**');
    expect(ours).toContain('for `0123456`');
    expect(gh.comments[0]?.body).toBe('Looks good to me');
  });

  it('finds its comment on a later page', async () => {
    const others = Array.from({ length: 150 }, (_, i) => ({
      id: i + 1,
      body: `comment ${i}`,
      user: { login: 'alice' },
    }));
    const gh = await fakeGitHub([...others, { id: 999, body: '<!-- terraform-plan -->\nold', user: bot }]);
    cleanup.push(gh.close);
    const result = await run(gh.url, plan(1));
    expect(result.out).toContain('updated comment 999');
    expect(gh.calls.filter((c) => c.startsWith('GET'))).toEqual([
      'GET /repos/acme/shop/issues/7/comments?per_page=100&page=1',
      'GET /repos/acme/shop/issues/7/comments?per_page=100&page=2',
    ]);
  });

  it('edits only its own comment: a marker pasted by somebody else is not it', async () => {
    const impostor = { id: 5, body: '<!-- terraform-plan -->\n**No changes.**', user: { login: 'mallory' } };
    const gh = await fakeGitHub([impostor]);
    cleanup.push(gh.close);
    const result = await run(gh.url, plan(2));
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('created comment 1000');
    expect(gh.comments.find((c) => c.id === 5)?.body).toBe('<!-- terraform-plan -->\n**No changes.**');
    expect(gh.calls.filter((c) => c.startsWith('PATCH'))).toEqual([]);
  });

  it('lists what changes, and says when the plan failed', async () => {
    const gh = await fakeGitHub();
    cleanup.push(gh.close);
    const text = [
      'Terraform will perform the following actions:',
      '  # aws_ecs_service.service["customer"] will be updated in-place',
      '  # module.vpc.aws_subnet.private[2] will be created',
      '  # aws_lb.this must be replaced',
      '  # aws_s3_bucket.old will be destroyed',
      '  # (because aws_s3_bucket.old is not in configuration)',
      'Plan: 1 to add, 1 to change, 2 to destroy.',
    ].join('\n');
    expect(Object.fromEntries(resourceChanges(text))).toEqual({
      destroy: ['aws_s3_bucket.old'],
      replace: ['aws_lb.this'],
      create: ['module.vpc.aws_subnet.private[2]'],
      'update in place': ['aws_ecs_service.service["customer"]'],
    });
    const ok = await run(gh.url, text);
    expect(ok.code, ok.out).toBe(0);
    const body = gh.comments[0]?.body ?? '';
    expect(body).toContain('- **destroy** (1) :warning:: `aws_s3_bucket.old`');
    expect(body).toContain('- **create** (1): `module.vpc.aws_subnet.private[2]`');
    expect(ok.summary).toContain('- **replace** (1) :warning:: `aws_lb.this`');
    const failed = await run(gh.url, 'Error: No valid credential sources found', ['--exit-code', '1']);
    expect(failed.code, failed.out).toBe(0);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]?.body).toContain('**Plan failed (exit code 1): see the output below.**');
    expect(gh.comments[0]?.body).toContain('No valid credential sources found');
  });

  it('--summary-only writes the step summary without GitHub', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-'));
    writeFileSync(join(dir, 'plan.txt'), plan(4));
    const summary = join(dir, 'summary.md');
    const result = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        [script, '--plan-file', join(dir, 'plan.txt'), '--summary-only'],
        { env: { PATH: process.env.PATH ?? '', GITHUB_STEP_SUMMARY: summary } },
        (err, o, e) => resolve({ code: err ? Number(err.code) : 0, out: o + e }),
      ),
    );
    expect(result.code, result.out).toBe(0);
    expect(readFileSync(summary, 'utf8')).toContain('**Plan: 4 to add, 1 to change, 0 to destroy**');
  });

  it('cuts a huge plan to fit GitHub’s limit, keeps the fence closed, and puts it all in the step summary', async () => {
    const gh = await fakeGitHub();
    cleanup.push(gh.close);
    const line = '  + tags = { "emoji" = "🚀🚀🚀" } ``` not a fence\n';
    const huge = `${line.repeat(3000)}Plan: 120 to add, 0 to change, 0 to destroy.\n`;
    // a long run URL (it is in the text twice) must not push the comment over the limit either
    const longUrl = `${runUrl}?${'q'.repeat(3000)}`;
    const result = await run(gh.url, huge, ['--run-url', longUrl]);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('plan cut to fit');
    const body = gh.comments[0]?.body ?? '';
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body.length).toBeGreaterThan(COMMENT_LIMIT - line.length - 10); // cut on a line, not early
    expect(body.startsWith('<!-- terraform-plan -->')).toBe(true);
    expect(body).toContain('**Plan: 120 to add, 0 to change, 0 to destroy**');
    expect(body).toContain(`[run's step summary](${longUrl})`);
    expect(body).toMatch(/\n````terraform\n/); // longer than the ``` inside the plan
    expect(body.match(/^````$/m)).not.toBeNull();
    expect(body).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/); // no half characters
    expect(result.summary).toContain('Plan: 120 to add');
    expect(result.summary).toContain(huge.trimEnd()); // the whole plan
  });

  it('fits the limit exactly: a section as long as the limit is kept whole, one more is cut', () => {
    const base = planMarkdown({ marker: 'm', title: 't', plan: 'x' }, COMMENT_LIMIT).text.length - 1;
    const lines = (n: number) => `${'x'.repeat(79)}\n`.repeat(Math.floor(n / 80)) + 'y'.repeat(n % 80);
    const exact = planMarkdown({ marker: 'm', title: 't', plan: lines(COMMENT_LIMIT - base) }, COMMENT_LIMIT);
    expect(exact).toMatchObject({ truncated: false });
    expect(exact.text.length).toBe(COMMENT_LIMIT);
    const over = planMarkdown({ marker: 'm', title: 't', plan: lines(COMMENT_LIMIT - base + 1) }, COMMENT_LIMIT);
    expect(over.truncated).toBe(true);
    expect(over.text.length).toBeLessThanOrEqual(COMMENT_LIMIT);
  });

  it('cuts the step summary by bytes, never inside a character', () => {
    const text = '🚀'.repeat(1000); // 4 bytes and 2 code units each
    const cut = truncateBytes(text, 1001);
    expect(cut.truncated).toBe(true);
    expect(Buffer.byteLength(cut.text)).toBeLessThanOrEqual(1001);
    expect(cut.text).toBe('🚀'.repeat(250));
    expect(truncateBytes('abc', 3)).toEqual({ text: 'abc', truncated: false });
  });

  it('reads the summary line of a plan, and fails clearly without credentials', async () => {
    expect(summarizePlan('No changes. Your infrastructure matches the configuration.').changes).toBe(false);
    expect(summarizePlan(plan(2))).toEqual({ line: 'Plan: 2 to add, 1 to change, 0 to destroy', changes: true });
    expect(truncate('ab\ud83d\ude80cd', 3)).toEqual({ text: 'ab', truncated: true });
    expect(planMarkdown({ marker: 'm', title: 't', plan: '\u001b[1mbold\u001b[0m' }, COMMENT_LIMIT).text).not.toContain(
      '\u001b',
    );
    const gh = await fakeGitHub();
    cleanup.push(gh.close);
    const bad = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        [script, '--plan-file', '/dev/null', '--pr', '7'],
        { env: { PATH: process.env.PATH ?? '', GITHUB_REPOSITORY: 'acme/shop' } },
        (err, o, e) => resolve({ code: err ? Number(err.code) : 0, out: o + e }),
      ),
    );
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('GITHUB_TOKEN');
  });
});

/** plan-comment.ts with the given arguments, against the fake GitHub. */
function comment(api: string, args: string[], summary = join(mkdtempSync(join(tmpdir(), 'summary-')), 's.md')) {
  return new Promise<{ code: number; out: string; summary: string }>((resolve) =>
    execFile(
      process.execPath,
      [script, '--pr', '7', ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          GITHUB_TOKEN: 'test-token',
          GITHUB_REPOSITORY: 'acme/shop',
          GITHUB_API_URL: api,
          GITHUB_STEP_SUMMARY: summary,
        },
      },
      (err, o, e) =>
        resolve({
          code: err ? Number(err.code) : 0,
          out: o + e,
          summary: existsSync(summary) ? readFileSync(summary, 'utf8') : '',
        }),
    ),
  );
}

/** A plan job's artifact: DIR/plan.txt and DIR/exit-code.txt. */
function planDir(text: string | undefined, exitCode = 0): string {
  const dir = mkdtempSync(join(tmpdir(), 'plan-dir-'));
  if (text !== undefined) {
    writeFileSync(join(dir, 'plan.txt'), text);
    writeFileSync(join(dir, 'exit-code.txt'), `${exitCode}\n`);
  }
  return dir;
}

describe('one comment, a section per environment and one for the preview', () => {
  it('plans of both environments, then the preview: each run rewrites its own sections and keeps the others', async () => {
    const gh = await fakeGitHub();
    cleanup.push(gh.close);
    const both = await comment(gh.url, [
      '--plan',
      `staging=${planDir(plan(1))}`,
      '--plan',
      `production=${planDir(plan(2))}`,
    ]);
    expect(both.code, both.out).toBe(0);
    expect(both.out).toContain('created comment 1000 on #7 (staging, production)');
    expect(both.summary).toContain('### Terraform plan: staging');
    expect(both.summary).toContain('### Terraform plan: production');

    const preview = await comment(gh.url, [
      '--preview',
      'deployed',
      '--preview-url',
      'https://d1.cloudfront.net/pr-7',
      '--preview-images',
      JSON.stringify({ customer: 'r/platform-staging/customer:abc' }),
      '--commit',
      'fedcba9876543210',
    ]);
    expect(preview.code, preview.out).toBe(0);
    expect(preview.out).toContain('updated comment 1000');
    let sections = parseSections(gh.comments[0]?.body ?? '');
    expect([...sections.keys()]).toEqual(['preview', 'staging', 'production']); // the preview first
    expect(sections.get('preview')).toContain('**[https://d1.cloudfront.net/pr-7](https://d1.cloudfront.net/pr-7)**');
    expect(sections.get('preview')).toContain('`r/platform-staging/customer:abc`');
    expect(sections.get('staging')).toContain('Plan: 1 to add');
    expect(sections.get('production')).toContain('Plan: 2 to add');

    // a new push: staging's plan fails, production's has changed; the preview section stays
    const again = await comment(gh.url, [
      '--plan',
      `staging=${planDir('Error: Unsupported attribute', 1)}`,
      '--plan',
      `production=${planDir(plan(4))}`,
    ]);
    expect(again.code, again.out).toBe(0);
    sections = parseSections(gh.comments[0]?.body ?? '');
    expect(sections.get('staging')).toContain('**Plan failed (exit code 1): see the output below.**');
    expect(sections.get('production')).toContain('Plan: 4 to add');
    expect(sections.get('preview')).toContain('https://d1.cloudfront.net/pr-7');
    expect(gh.comments).toHaveLength(1);

    const removed = await comment(gh.url, ['--preview', 'removed']);
    expect(removed.code, removed.out).toBe(0);
    expect(parseSections(gh.comments[0]?.body ?? '').get('preview')).toContain('Removed: the pull request is closed.');
  });

  it('a plan job that stopped before writing its plan is reported as failed, not skipped', async () => {
    const gh = await fakeGitHub();
    cleanup.push(gh.close);
    const result = await comment(gh.url, ['--plan', `production=${planDir(undefined)}`]);
    expect(result.code, result.out).toBe(0);
    expect(gh.comments[0]?.body).toContain('Plan failed (exit code 1)');
    expect(gh.comments[0]?.body).toContain('no plan: the plan job stopped before it wrote one');
  });

  it('two huge plans and a preview share the limit: the whole comment fits, every section is there', () => {
    const huge = `${'  + tags = { "x" = "y" }\n'.repeat(6000)}Plan: 120 to add, 0 to change, 0 to destroy.\n`;
    const existing = mergeSections('terraform-plan', undefined, [
      { key: 'preview', render: () => ({ text: '### Preview\n\nDeploying …', truncated: false }) },
    ]).body;
    const merged = mergeSections(
      'terraform-plan',
      existing,
      ['staging', 'production'].map((env) => ({
        key: env,
        render: (limit: number) => planMarkdown({ marker: env, title: `Terraform plan: ${env}`, plan: huge }, limit),
      })),
    );
    expect(merged.truncated).toBe(true);
    expect(merged.body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(merged.body.length).toBeGreaterThan(COMMENT_LIMIT - 200); // the room is used, not wasted
    const sections = parseSections(merged.body);
    expect([...sections.keys()]).toEqual(['preview', 'staging', 'production']);
    for (const env of ['staging', 'production']) expect(sections.get(env)).toContain('Plan: 120 to add');
  });

  it('refuses a bad --plan or --preview', async () => {
    const gh = await fakeGitHub();
    cleanup.push(gh.close);
    expect((await comment(gh.url, ['--plan', 'Staging Env=/tmp'])).code).toBe(2);
    expect((await comment(gh.url, ['--preview', 'done'])).code).toBe(2);
    expect((await comment(gh.url, [])).code).toBe(2);
    expect(gh.comments).toHaveLength(0);
  });
});

describe('plan digest (what the deploy workflow applies is what was reviewed)', () => {
  const reviewed = [
    'Terraform used the selected providers to generate the following execution',
    'plan. Resource actions are indicated with the following symbols:',
    '  ~ update in-place',
    '',
    'Terraform will perform the following actions:',
    '',
    '  # module.ecs.aws_ecs_service.service["customer"] will be updated in-place',
    '  ~ resource "aws_ecs_service" "service" {',
    '      ~ desired_count = 2 -> 3',
    '        password      = (sensitive value)',
    '    }',
    '',
    'Plan: 0 to add, 1 to change, 0 to destroy.',
    '',
  ].join('\n');

  it('is the same for two plans of the same change, whatever came before the actions', () => {
    const drifted = [
      'module.ecs.aws_ecs_service.service["customer"]: Refreshing state... [id=arn:aws:ecs:eu-west-1:1:service/p/customer]',
      '',
      'Note: Objects have changed outside of Terraform',
      '  # module.ecs.aws_ecs_service.service["customer"] has changed',
      '',
      reviewed.replaceAll('\n', '   \n'), // trailing spaces
    ].join('\n');
    expect(planDigest(drifted)).toBe(planDigest(reviewed));
    expect(planDigest(`\u001b[1m${reviewed}\u001b[0m`)).toBe(planDigest(reviewed));
    expect(planDigest(reviewed)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with any change of what Terraform will do', () => {
    expect(planDigest(reviewed.replace('2 -> 3', '2 -> 4'))).not.toBe(planDigest(reviewed));
    expect(planDigest(reviewed.replace('["customer"]', '["products"]'))).not.toBe(planDigest(reviewed));
    expect(planDigest('No changes. Your infrastructure matches the configuration.')).not.toBe(planDigest(reviewed));
    expect(planDigest('Changes to Outputs:\n  + base_url = "https://x"\n')).not.toBe(
      planDigest('Changes to Outputs:\n  + base_url = "https://y"\n'),
    );
  });

  it('--digest prints it, and refuses a text that is no plan (a failed plan cannot be approved)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'digest-'));
    const digest = async (text: string) => {
      writeFileSync(join(dir, 'plan.txt'), text);
      return new Promise<{ code: number; out: string }>((resolve) =>
        execFile(
          process.execPath,
          [script, '--plan-file', join(dir, 'plan.txt'), '--digest'],
          { env: { PATH: process.env.PATH ?? '' } },
          (err, o, e) => resolve({ code: err ? Number(err.code) : 0, out: o + e }),
        ),
      );
    };
    expect(await digest(reviewed)).toEqual({ code: 0, out: `${planDigest(reviewed)}\n` });
    const failed = await digest('Error: Unsupported attribute\n');
    expect(failed.code).toBe(2);
    expect(failed.out).toContain('not the text of a terraform plan');
  });
});
