/**
 * scripts/plan-comment.ts against a fake GitHub API of our own (create, then update the same
 * comment, pagination, truncation), run as the workflow runs it: a child process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMENT_LIMIT, commentBody, summarizePlan, truncate } from '../lib/plan-comment.ts';

const script = join(import.meta.dirname, '..', 'plan-comment.ts');

interface Comment {
  id: number;
  body: string;
}

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
      const comment = { id: nextId++, body: text };
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

async function run(api: string, plan: string) {
  const dir = mkdtempSync(join(tmpdir(), 'plan-'));
  const file = join(dir, 'plan.txt');
  const summary = join(dir, 'summary.md');
  writeFileSync(file, plan);
  const result = await new Promise<{ code: number; out: string }>((resolve) =>
    execFile(
      process.execPath,
      [
        script,
        '--plan-file',
        file,
        '--pr',
        '7',
        '--name',
        'production',
        '--run-url',
        'https://github.com/acme/shop/actions/runs/1',
        '--commit',
        '0123456789abcdef',
      ],
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
    const gh = await fakeGitHub([{ id: 1, body: 'Looks good to me' }]);
    cleanup.push(gh.close);
    const first = await run(gh.url, plan(3));
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain('created comment 1000 on #7');
    const second = await run(gh.url, plan(5));
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain('updated comment 1000 on #7');
    expect(gh.comments).toHaveLength(2);
    const ours = gh.comments.find((c) => c.id === 1000)?.body ?? '';
    expect(ours.startsWith('<!-- terraform-plan:production -->')).toBe(true);
    expect(ours).toContain('**Plan: 5 to add, 1 to change, 0 to destroy**');
    expect(ours).toContain('for `0123456`');
    expect(gh.comments[0]?.body).toBe('Looks good to me');
  });

  it('finds its comment on a later page', async () => {
    const others = Array.from({ length: 150 }, (_, i) => ({ id: i + 1, body: `comment ${i}` }));
    const gh = await fakeGitHub([...others, { id: 999, body: '<!-- terraform-plan:production -->\nold' }]);
    cleanup.push(gh.close);
    const result = await run(gh.url, plan(1));
    expect(result.out).toContain('updated comment 999');
    expect(gh.calls.filter((c) => c.startsWith('GET'))).toEqual([
      'GET /repos/acme/shop/issues/7/comments?per_page=100&page=1',
      'GET /repos/acme/shop/issues/7/comments?per_page=100&page=2',
    ]);
  });

  it('cuts a huge plan to fit GitHub’s limit, keeps the fence closed, and puts it all in the step summary', async () => {
    const gh = await fakeGitHub();
    cleanup.push(gh.close);
    const line = '  + tags = { "emoji" = "🚀🚀🚀" } ``` not a fence\n';
    const huge = `${line.repeat(3000)}Plan: 120 to add, 0 to change, 0 to destroy.\n`;
    const result = await run(gh.url, huge);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('plan cut to fit');
    const body = gh.comments[0]?.body ?? '';
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body).toContain('**Plan: 120 to add, 0 to change, 0 to destroy**');
    expect(body).toContain("[run's step summary](https://github.com/acme/shop/actions/runs/1)");
    expect(body).toMatch(/\n````terraform\n/); // longer than the ``` inside the plan
    expect(body.match(/^````$/m)).not.toBeNull();
    expect(body).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/); // no half characters
    expect(result.summary).toContain('Plan: 120 to add');
    expect(result.summary.length).toBeGreaterThan(huge.length);
  });

  it('reads the summary line of a plan, and fails clearly without credentials', async () => {
    expect(summarizePlan('No changes. Your infrastructure matches the configuration.').changes).toBe(false);
    expect(summarizePlan(plan(2))).toEqual({ line: 'Plan: 2 to add, 1 to change, 0 to destroy', changes: true });
    expect(truncate('ab\ud83d\ude80cd', 3)).toEqual({ text: 'ab', truncated: true });
    expect(commentBody({ marker: 'm', title: 't', plan: '\u001b[1mbold\u001b[0m' }).body).not.toContain('\u001b');
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
