/**
 * The GitHub workflows, read as a reviewer would: actionlint passes, every external action is
 * pinned to a commit with its version beside it, every job has least-privilege permissions and a
 * timeout, no event data or step output is pasted into a script, AWS is reached through OIDC only.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..');
const dir = join(root, '.github', 'workflows');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
// biome-ignore lint/suspicious/noExplicitAny: workflow YAML, checked field by field
const workflows: Record<string, any> = Object.fromEntries(
  files.map((f) => [f, parse(readFileSync(join(dir, f), 'utf8'))]),
);
const raw = (f: string) => readFileSync(join(dir, f), 'utf8');
const actionFiles = [join(root, '.github', 'actions', 'setup', 'action.yml')];

describe('GitHub workflows', () => {
  it('pass actionlint', async () => {
    const binary =
      ['actionlint', join(homedir(), 'go', 'bin', 'actionlint')].find((b) => b === 'actionlint' || existsSync(b)) ??
      'actionlint';
    const result = await promisify(execFile)(binary, ['-no-color'], { cwd: root }).catch(
      (err: NodeJS.ErrnoException & { stdout?: string }) => {
        if (err.code === 'ENOENT')
          throw new Error('actionlint is needed: go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12');
        throw new Error(`actionlint found problems:\n${err.stdout}`);
      },
    );
    expect(result.stdout).toBe('');
  });

  it('pin every external action to a full commit SHA with its version in a comment', () => {
    for (const file of [...files.map((f) => join(dir, f)), ...actionFiles]) {
      const uses = [...readFileSync(file, 'utf8').matchAll(/uses:\s*([^\s#]+)(.*)$/gm)];
      expect(uses.length, file).toBeGreaterThan(0);
      for (const [, ref, rest] of uses) {
        if (ref?.startsWith('./')) continue;
        expect(ref, `${file}: ${ref}`).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
        expect(rest, `${file}: ${ref}`).toMatch(/# v\d+\.\d+\.\d+/);
      }
    }
  });

  it('deny everything at the top and give each job its own permissions and a timeout', () => {
    for (const [file, wf] of Object.entries(workflows)) {
      expect(wf.permissions, file).toEqual({});
      expect(wf.concurrency?.group, file).toBeTruthy();
      for (const [name, job] of Object.entries<Record<string, unknown>>(wf.jobs)) {
        expect(job['timeout-minutes'], `${file}:${name}`).toBeGreaterThan(0);
        expect(job.permissions, `${file}:${name}`).toBeDefined();
        const permissions = job.permissions as Record<string, string>;
        for (const [scope, level] of Object.entries(permissions)) {
          if (level === 'write')
            expect(['id-token', 'pull-requests'], `${file}:${name} writes ${scope}`).toContain(scope);
        }
      }
    }
  });

  it('never paste expressions into run scripts (event data and step outputs go through env)', () => {
    for (const [file, wf] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries<{ steps?: Array<{ run?: string }> }>(wf.jobs)) {
        for (const step of job.steps ?? []) {
          if (step.run) expect(step.run, `${file}:${name}`).not.toContain('${{');
        }
      }
    }
  });

  it('reach AWS through OIDC roles only, the deploy role only from the production environment', () => {
    for (const file of files) expect(raw(file)).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY|secrets\.AWS_/);
    const deploy = workflows['deploy.yml'];
    for (const [name, job] of Object.entries<Record<string, unknown>>(deploy.jobs)) {
      const usesDeployRole = JSON.stringify(job).includes('AWS_DEPLOY_ROLE_ARN');
      if (usesDeployRole && name !== 'changes') {
        expect(job.environment, name).toBe('production');
        expect((job.permissions as Record<string, string>)['id-token'], name).toBe('write');
      }
    }
    expect(deploy.concurrency['cancel-in-progress']).toBe(false);
    expect(JSON.stringify(workflows['plan.yml'].jobs.plan.steps)).toContain('AWS_PLAN_ROLE_ARN');
  });

  it('CI has one aggregate job that needs every other job', () => {
    const ci = workflows['ci.yml'];
    const others = Object.keys(ci.jobs).filter((j) => j !== 'ci-ok');
    expect(ci.jobs['ci-ok'].needs.sort()).toEqual(others.sort());
    expect(ci.jobs['ci-ok'].if).toBe('always()');
  });

  it('apply the plan saved in the same job, then build, deploy and smoke-test in order', () => {
    const deploy = workflows['deploy.yml'];
    const steps = deploy.jobs.terraform.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
    expect(steps).toMatch(/terraform plan .*-out=tfplan/);
    expect(steps).toMatch(/terraform apply .*tfplan$/m);
    expect(deploy.jobs.build.needs).toContain('terraform');
    expect(deploy.jobs.deploy.needs).toEqual(expect.arrayContaining(['terraform', 'build']));
    expect(deploy.jobs.smoke.needs).toContain('deploy');
    expect(JSON.stringify(deploy.jobs.deploy.steps)).toContain('scripts/deploy-ecs.ts');
    expect(JSON.stringify(deploy.jobs.smoke.steps)).toContain('scripts/smoke.ts');
  });
});
