/**
 * scripts/build.ts bundles each services/<name>/src/tasks/<script>.ts into dist/tasks/<script>.mjs
 * beside main.mjs: one file that runs alone with plain node (what `run-task` starts in the
 * image). Its behaviour against a database: services/products/test/check-outbox.integration.test.ts.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundle } from '../build.ts';

const work = () => mkdtempSync(join(tmpdir(), 'ops-build-'));

describe('build.ts with one-off tasks', () => {
  it('bundles products/src/tasks/check-outbox.ts to dist/tasks/check-outbox.mjs, which runs alone', async () => {
    const out = join(work(), 'dist');
    mkdirSync(join(out, 'tasks'), { recursive: true });
    writeFileSync(join(out, 'tasks', 'removed-task.mjs'), '');
    const result = await bundle('products', out);
    expect(result.tasks).toEqual(['check-outbox']);
    expect(readdirSync(join(out, 'tasks')).sort()).toEqual(['check-outbox.mjs', 'check-outbox.mjs.map']);
    // the task is not in the service's bundle, nor the service in the task's
    expect(readFileSync(join(out, 'main.mjs'), 'utf8')).not.toContain('outbox entries stuck');
    expect(readFileSync(join(out, 'tasks', 'check-outbox.mjs'), 'utf8')).not.toContain('platform ready');

    const alone = work(); // no node_modules above it
    copyFileSync(join(out, 'tasks', 'check-outbox.mjs'), join(alone, 'check-outbox.mjs'));
    const run = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        [join(alone, 'check-outbox.mjs')],
        { cwd: alone, env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, out: stdout + stderr }),
      ),
    );
    expect(run.code, run.out).toBe(2);
    expect(JSON.parse(run.out)).toMatchObject({ level: 'error', msg: 'invalid configuration: MONGO_URL is required' });
  });

  it('a service without a tasks folder gets no dist/tasks', async () => {
    const out = join(work(), 'dist');
    const result = await bundle('customer', out);
    expect(result.tasks).toEqual([]);
    expect(existsSync(join(out, 'main.mjs'))).toBe(true);
    expect(existsSync(join(out, 'tasks'))).toBe(false);
  });
});
