/**
 * scripts/preview.ts stale: which previews outlived their pull request, asked of a fake GitHub API
 * (open, closed, merged, deleted pull requests; a GitHub that fails), run as the sweep runs it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewNumbers } from '../lib/previews.ts';

const script = join(import.meta.dirname, '..', 'preview.ts');
const states: Record<number, string> = { 7: 'open', 8: 'closed', 9: 'closed' }; // 10: deleted (404)
let failing = false;
const asked: string[] = [];
const server = createServer((req, res) => {
  asked.push(req.url ?? '');
  if (req.headers.authorization !== 'Bearer t') return res.writeHead(401).end('{}');
  if (failing) return res.writeHead(502).end('bad gateway');
  const pr = Number(req.url?.match(/^\/repos\/acme\/shop\/pulls\/(\d+)$/)?.[1]);
  if (!states[pr]) return res.writeHead(404).end('{"message":"Not Found"}');
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ number: pr, state: states[pr] }));
});
let api = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => server.close());

function stale(keys: string) {
  const output = join(mkdtempSync(join(tmpdir(), 'preview-')), 'output');
  writeFileSync(output, '');
  return new Promise<{ code: number; out: string; prs: string }>((resolve) =>
    execFile(
      process.execPath,
      [script, 'stale', '--keys', keys],
      {
        env: {
          PATH: process.env.PATH ?? '',
          GITHUB_TOKEN: 't',
          GITHUB_REPOSITORY: 'acme/shop',
          GITHUB_API_URL: api,
          GITHUB_OUTPUT: output,
        },
      },
      (err, o, e) =>
        resolve({ code: err ? Number(err.code) : 0, out: o + e, prs: readFileSync(output, 'utf8').trim() }),
    ),
  );
}

describe('stale previews', () => {
  it('reads the pull request numbers of the preview states only', () => {
    expect(
      previewNumbers([
        'previews/pr-9.tfstate',
        'previews/pr-9.tfstate.tflock',
        'previews/pr-10.tfstate',
        'platform/staging.tfstate',
        'previews/pr-0.tfstate',
        'previews/pr-x.tfstate',
      ]),
    ).toEqual([9, 10]);
    expect(previewNumbers(null)).toEqual([]); // list-objects-v2's answer when there is none
  });

  it('tears down the previews of closed, merged and deleted pull requests, keeps the open ones', async () => {
    asked.length = 0;
    const keys = ['previews/pr-7.tfstate', 'previews/pr-8.tfstate', 'previews/pr-9.tfstate', 'previews/pr-10.tfstate'];
    const run = await stale(JSON.stringify(keys));
    expect(run.code, run.out).toBe(0);
    expect(run.prs).toBe('prs=[8,9,10]');
    expect(run.out).toContain('previews of closed pull requests: #8, #9, #10');
    expect(asked).toEqual([
      '/repos/acme/shop/pulls/7',
      '/repos/acme/shop/pulls/8',
      '/repos/acme/shop/pulls/9',
      '/repos/acme/shop/pulls/10',
    ]);
    const none = await stale('null');
    expect([none.code, none.prs]).toEqual([0, 'prs=[]']);
  });

  it('fails (tears nothing down) when GitHub cannot say, and refuses bad input', async () => {
    failing = true;
    const run = await stale('["previews/pr-7.tfstate"]');
    failing = false;
    expect(run.code).toBe(1);
    expect(run.prs).toBe('');
    expect(run.out).toContain('502');
    expect((await stale('not json')).code).toBe(2);
    expect((await stale('{"a":1}')).code).toBe(2);
  });
});
