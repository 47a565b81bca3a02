/**
 * The GitHub workflows, read as a reviewer would: actionlint passes, every external action is
 * pinned to a commit with its version beside it, every job has least-privilege permissions and a
 * timeout, no event data or step output is pasted into a script, AWS is reached through OIDC only
 * (the plan role from pull requests, each environment's deploy role from jobs of that GitHub
 * environment, never for a fork's pull request), no plan file travels between jobs (apply plans
 * again and applies only the reviewed plan, by its digest), pull-request plans never take a state
 * lock, staging deploys on merge and production promotes staging's images (the digests checked
 * before its rollout), one deploy per environment at a time. And their scripts run: the gates,
 * the state keys, the digest comparison, the broker's log retention, the image build, the smoke
 * flow's guards and the comments, with fake terraform, aws, docker and node commands.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..');
const dir = join(root, '.github', 'workflows');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
// biome-ignore lint/suspicious/noExplicitAny: workflow YAML, checked field by field
type Yaml = any;
const workflows: Record<string, Yaml> = Object.fromEntries(
  files.map((f) => [f, parse(readFileSync(join(dir, f), 'utf8'))]),
);
const actionsDir = join(root, '.github', 'actions');
const actionFiles = readdirSync(actionsDir).map((a) => join(actionsDir, a, 'action.yml'));
const actions: Record<string, Yaml> = Object.fromEntries(
  readdirSync(actionsDir).map((a) => [a, parse(readFileSync(join(actionsDir, a, 'action.yml'), 'utf8'))]),
);
const steps = (job: Yaml): Yaml[] => job.steps ?? [];
const jobsOf = (file: string): Array<[string, Yaml]> => Object.entries(workflows[file].jobs);
/** A workflow expression as written in the YAML. */
const expr = (e: string) => `\${{ ${e} }}`;

/** Does the job get AWS credentials (the OIDC token's only use here)? */
const assumesRole = (job: Yaml) =>
  steps(job).some(
    (s) => String(s.uses ?? '').startsWith('aws-actions/configure-aws-credentials@') || Boolean(s.with?.['role-arn']),
  );
/** The role a job assumes (the expression of its role-arn / role-to-assume). */
const roleOf = (job: Yaml) =>
  steps(job)
    .map((s) => s.with?.['role-arn'] ?? s.with?.['role-to-assume'])
    .find(Boolean);
/** Jobs calling a reusable workflow. */
const calls = (job: Yaml) => typeof job.uses === 'string';

describe('GitHub workflows', () => {
  it('pass actionlint (with shellcheck on every script, when it is installed, as on the runners)', async () => {
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
    let external = 0;
    for (const file of [...files.map((f) => join(dir, f)), ...actionFiles]) {
      const uses = [...readFileSync(file, 'utf8').matchAll(/uses:\s*([^\s#]+)(.*)$/gm)];
      external += uses.filter(([, ref]) => !ref?.startsWith('./')).length;
      for (const [, ref, rest] of uses) {
        if (ref?.startsWith('./')) continue;
        expect(ref, `${file}: ${ref}`).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
        expect(rest, `${file}: ${ref}`).toMatch(/# v\d+\.\d+\.\d+/);
      }
    }
    expect(external).toBeGreaterThan(30);
  });

  it('deny everything at the top; each job has a timeout and only the permissions it uses', () => {
    for (const [file, wf] of Object.entries(workflows)) {
      expect(wf.permissions, file).toEqual({});
      expect(Object.keys(wf.on), file).not.toContain('pull_request_target');
      for (const [name, job] of jobsOf(file)) {
        const where = `${file}:${name}`;
        // a job calling a reusable workflow has no steps of its own: the called jobs have timeouts
        if (!calls(job)) expect(job['timeout-minutes'], where).toBeGreaterThan(0);
        expect(job.permissions, where).toBeDefined();
        const permissions = job.permissions as Record<string, string>;
        for (const [scope, level] of Object.entries(permissions)) {
          if (level === 'write')
            expect(['id-token', 'pull-requests', 'contents'], `${where} writes ${scope}`).toContain(scope);
        }
        // contents only where the lock files are pushed, for a pull request
        expect(permissions.contents === 'write', `${where}: contents`).toBe(file === 'terraform-lock.yml');
        // the OIDC token only where a role is assumed (here, or in the workflow it calls), and the other way round
        expect(permissions['id-token'] === 'write', `${where}: id-token`).toBe(assumesRole(job) || calls(job));
        // pull requests only from the comment jobs and the lock files job, none with AWS access
        const writesPullRequest = permissions['pull-requests'] === 'write';
        expect(writesPullRequest, `${where}: pull-requests`).toBe(
          (['plan.yml', 'preview.yml'].includes(file) && name === 'comment') || file === 'terraform-lock.yml',
        );
        if (writesPullRequest) expect(assumesRole(job), where).toBe(false);
      }
    }
  });

  it('one run at a time where it matters: per pull request, per environment, per preview', () => {
    const group = (wf: Yaml) => wf.concurrency?.group;
    expect(group(workflows['plan.yml'])).toBe(`terraform-plan-${expr('github.event.pull_request.number')}`);
    expect(group(workflows['preview.yml'])).toBe(`preview-${expr('github.event.pull_request.number')}`);
    expect(workflows['preview.yml'].concurrency['cancel-in-progress']).toBe(false); // never halfway through an apply
    // deploys: one per environment, never cancelled; the reusable workflow takes its caller's
    expect(Object.keys(workflows['environment.yml'].on)).toEqual(['workflow_call']);
    for (const env of ['staging', 'production']) {
      expect(workflows['deploy.yml'].jobs[env].concurrency, env).toEqual({
        group: `deploy-${env}`,
        'cancel-in-progress': false,
      });
    }
    // the sweep tears a preview down in its pull request's group
    expect(workflows['preview-sweep.yml'].jobs.teardown.concurrency.group).toBe(`preview-${expr('matrix.pr')}`);
    // the two comment writers of a pull request take turns
    expect(workflows['plan.yml'].jobs.comment.concurrency).toEqual(workflows['preview.yml'].jobs.comment.concurrency);
    for (const [file, wf] of Object.entries(workflows)) {
      if (['deploy.yml', 'environment.yml'].includes(file)) continue;
      expect(group(wf), file).toBeTruthy();
    }
  });

  it('never paste expressions into run scripts (event data and step outputs go through env)', () => {
    const scripts: Array<[string, string]> = [];
    for (const [file, wf] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries<Yaml>(wf.jobs)) {
        for (const step of steps(job)) if (step.run) scripts.push([`${file}:${name}`, step.run]);
      }
    }
    for (const [name, action] of Object.entries(actions)) {
      for (const step of action.runs.steps ?? []) if (step.run) scripts.push([name, step.run]);
    }
    expect(scripts.length).toBeGreaterThan(20);
    for (const [where, script] of scripts) expect(script, where).not.toContain(`\${{`);
  });

  it('reach AWS through OIDC roles only: the plan role from pull requests, each deploy role from its GitHub environment', () => {
    for (const file of [...files.map((f) => join(dir, f)), ...actionFiles]) {
      expect(readFileSync(file, 'utf8')).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY|secrets\.AWS_/);
    }
    let deployJobs = 0;
    for (const [file, wf] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries<Yaml>(wf.jobs)) {
        if (!assumesRole(job)) continue;
        const where = `${file}:${name}`;
        const role = roleOf(job);
        if (role === expr('vars.AWS_PLAN_ROLE_ARN')) {
          // the plan role trusts pull_request jobs: no environment, pull requests only
          expect(Object.keys(wf.on), where).toEqual(['pull_request']);
          expect(job.environment, where).toBeUndefined();
        } else {
          expect(role, where).toBe(expr('vars.AWS_DEPLOY_ROLE_ARN'));
          expect(job.environment, where).toBeDefined(); // the role trusts that environment's jobs only
          deployJobs++;
        }
      }
    }
    expect(deployJobs).toBeGreaterThanOrEqual(10);
    // previews, and their sweep, are staging's
    for (const file of ['preview.yml', 'preview-sweep.yml']) {
      for (const [name, job] of jobsOf(file))
        if (assumesRole(job)) expect(job.environment, `${file}:${name}`).toBe('staging');
    }
    for (const [name, job] of jobsOf('environment.yml')) expect(job.environment, name).toBe(expr('inputs.environment'));
    // the credentials stack's state (the broker password) is initialised with a deploy role only
    for (const [file, wf] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries<Yaml>(wf.jobs)) {
        for (const s of steps(job)) {
          if (String(s.with?.stacks ?? '').includes('credentials'))
            expect(s.with['role-arn'], `${file}:${name}`).toBe(expr('vars.AWS_DEPLOY_ROLE_ARN'));
        }
      }
    }
  });

  it('a fork’s pull request gets no AWS job: every job that reaches AWS waits for its gate', () => {
    const gated = (file: string, name: string): boolean => {
      const job = workflows[file].jobs[name];
      if (String(job.if ?? '').includes("needs.gate.outputs.aws == 'true'")) return true;
      // a job that needs a gated job's success (its default, or said so) is gated too
      const needs = [job.needs ?? []].flat() as string[];
      const cond = String(job.if ?? '');
      return needs.some(
        (n) =>
          n !== 'gate' &&
          gated(file, n) &&
          (!/!cancelled\(\)|always\(\)/.test(cond) || cond.includes(`needs.${n}.result == 'success'`)),
      );
    };
    for (const file of ['plan.yml', 'preview.yml', 'preview-sweep.yml', 'deploy.yml']) {
      for (const [name, job] of jobsOf(file)) {
        if (assumesRole(job) || calls(job)) expect(gated(file, name), `${file}:${name}`).toBe(true);
      }
    }
  });

  it('pull-request plans never take a state lock, plan every environment, and publish text only', () => {
    const plan = workflows['plan.yml'].jobs.plan;
    expect(plan.strategy.matrix.environment).toBe(expr('fromJSON(needs.gate.outputs.environments)'));
    const runs = steps(plan)
      .map((s) => s.run ?? '')
      .join('\n');
    const planCommand = runs.match(/terraform plan [^\n]*/)?.[0] ?? '';
    expect(planCommand).toContain('-lock=false');
    expect(planCommand).toContain('-var-file="environments/$ENVIRONMENT.tfvars"');
    expect(planCommand).not.toContain('-lock-timeout');
    const uploads = steps(plan).filter((s) => String(s.uses).startsWith('actions/upload-artifact@'));
    expect(uploads.map((u) => u.with.path.trim().split('\n'))).toEqual([
      ['infra/terraform/plan.txt', 'infra/terraform/exit-code.txt'],
    ]);
  });

  it('no workflow passes a plan file, or any file, between jobs of a deploy', () => {
    for (const file of ['deploy.yml', 'environment.yml']) {
      expect(readFileSync(join(dir, file), 'utf8'), file).not.toMatch(/upload-artifact|download-artifact/);
    }
    for (const [file, wf] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries<Yaml>(wf.jobs)) {
        for (const s of steps(job).filter((x) => String(x.uses).startsWith('actions/upload-artifact@')))
          for (const path of String(s.with.path).trim().split('\n')) expect(path, `${file}:${name}`).toMatch(/\.txt$/);
      }
    }
  });

  it('plan comment: one section per environment, written by a job without AWS after every plan', () => {
    const comment = workflows['plan.yml'].jobs.comment;
    expect(comment.needs).toEqual(['gate', 'plan']);
    expect(comment.if).toContain("needs.gate.outputs.aws == 'true'");
    expect(comment.if).toContain('!cancelled()'); // a failed plan is commented on too
    const run = steps(comment).at(-1).run;
    expect(run).toContain('node scripts/plan-comment.ts --pr "$PR_NUMBER"');
    expect(run).toContain('plans+=(--plan "$env=$RUNNER_TEMP/plans/plan-text-$env")'); // run below
  });

  it('CI: one aggregate job that needs every other job and runs whatever happened to them', () => {
    const ci = workflows['ci.yml'];
    const others = Object.keys(ci.jobs).filter((j) => j !== 'ci-ok');
    expect(ci.jobs['ci-ok'].needs.sort()).toEqual(others.sort());
    expect(ci.jobs['ci-ok'].if).toBe('always()');
    const commands = Object.values<Yaml>(ci.jobs)
      .flatMap((j) => steps(j).map((s) => s.run ?? ''))
      .join('\n');
    for (const command of [
      'npm run lint',
      'npm run typecheck',
      'npm run build',
      'npm run test:unit',
      'npm run test:integration',
      'bash infra/terraform/check.sh',
      'actionlint',
    ]) {
      expect(commands).toContain(command);
    }
    for (const job of Object.values<Yaml>(ci.jobs)) expect(job['runs-on']).toBe('ubuntu-24.04');
  });

  it('deploy: staging on merge, then production promotes what staging runs (no rebuild)', () => {
    const deploy = workflows['deploy.yml'];
    expect(Object.keys(deploy.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(deploy.on.push.branches).toEqual(['main']);
    expect(deploy.jobs.staging).toMatchObject({
      needs: 'gate',
      uses: './.github/workflows/environment.yml',
      with: { environment: 'staging', release: 'build' },
    });
    expect(deploy.jobs.production).toMatchObject({
      needs: 'staging',
      uses: './.github/workflows/environment.yml',
      with: { environment: 'production', release: 'promote', images: expr('needs.staging.outputs.images') },
    });
    // the images staging runs after its release, with their digests
    expect(workflows['environment.yml'].on.workflow_call.outputs.images.value).toBe(
      expr('jobs.release.outputs.images'),
    );
  });

  it('an environment: apply plans again and applies only the reviewed plan (by digest); then the credentials stack, the release, the smoke flow', () => {
    const env = workflows['environment.yml'];
    const runs = (job: string) =>
      steps(env.jobs[job])
        .map((s) => s.run ?? '')
        .join('\n');
    expect(runs('plan')).toMatch(/terraform plan .*-var-file="environments\/\$ENVIRONMENT.tfvars" -out=tfplan/);
    expect(runs('plan')).toMatch(/plan-comment\.ts --plan-file plan\.txt --digest/);
    expect(env.jobs.plan.outputs.digest).toBe(expr('steps.digest.outputs.digest'));
    expect(env.jobs.apply.needs).toBe('plan');
    const applySteps = steps(env.jobs.apply);
    const at = (match: (s: Yaml) => boolean) => applySteps.findIndex(match);
    const replan = at((s) => s.id === 'replan');
    const compare = at((s) => s.env?.REVIEWED !== undefined);
    const apply = at((s) => /^terraform apply .* tfplan$/.test(String(s.run)));
    const credentials = at(
      (s) => s['working-directory'] === 'infra/terraform/credentials' && /terraform apply/.test(String(s.run)),
    );
    const release = at((s) => s.id === 'release');
    expect(applySteps[replan].run).toMatch(/terraform plan .*-out=tfplan[\s\S]*--digest/);
    expect(applySteps[compare].env).toEqual({
      REVIEWED: expr('needs.plan.outputs.digest'),
      PLANNED: expr('steps.replan.outputs.digest'),
    });
    expect(replan).toBeGreaterThan(-1);
    expect(compare).toBeGreaterThan(replan);
    expect(apply).toBeGreaterThan(compare);
    expect(credentials).toBeGreaterThan(apply); // it reads what the main stack just applied
    expect(applySteps[credentials].run).toContain('-var "environment=$ENVIRONMENT"');
    expect(release).toBeGreaterThan(credentials);
    expect(applySteps[release].run).toContain('node scripts/release.ts plan --mode "$MODE"');
    expect(applySteps[release].env.MODE).toBe(expr('inputs.release'));
    const terraform = applySteps.find((s: Yaml) => s.uses === './.github/actions/terraform');
    expect(terraform.with).toMatchObject({ stacks: 'platform credentials', environment: expr('inputs.environment') });
    // the images: built in staging only (production's plan has none to build), with the one Dockerfile
    expect(env.jobs.build.needs).toBe('apply');
    expect(steps(env.jobs.build).at(-1).uses).toBe('./.github/actions/image');
    expect(actions.image.runs.steps[0].run).toMatch(
      /docker buildx build --platform "\$PLATFORMS" --file Dockerfile --build-arg "SERVICE=\$SERVICE"/,
    );
    for (const job of ['release']) {
      expect(env.jobs[job].if, job).toContain('!cancelled()');
      expect(env.jobs[job].if, job).toContain("needs.apply.result == 'success'");
      expect(env.jobs[job].if, job).toContain("needs.build.result == 'success' || needs.build.result == 'skipped'");
    }
  });

  it('production rolls out only images whose digest it checked equal to staging’s, then runs the smoke flow', () => {
    const release = steps(workflows['environment.yml'].jobs.release);
    const index = (match: RegExp) => release.findIndex((s) => match.test(String(s.run ?? s.uses)));
    const promote = index(/release\.ts promote/);
    const rollout = index(/release\.ts rollout/);
    const images = index(/release\.ts images/);
    const smoke = index(/\.\/\.github\/actions\/smoke/);
    expect(promote).toBeGreaterThan(-1);
    expect(rollout).toBeGreaterThan(promote); // scripts/lib/release.ts promote() throws unless the digests are equal
    expect(images).toBeGreaterThan(rollout);
    expect(smoke).toBeGreaterThan(images);
    // no step after the promotion runs when it failed
    for (const s of release.slice(promote + 1))
      expect(String(s.if ?? ''), s.name ?? s.uses).not.toMatch(/always\(\)|failure\(\)|cancelled\(\)/);
    expect(release[promote].run).toContain('skopeo'); // byte-for-byte copies, so the same digests
    expect(release[rollout].run).toContain('--timeout 900');
    // blue/green services: the smoke flow in the bake time (a failure rolls back to blue at once)
    expect(release[rollout].run).toContain(`--during-bake 'node scripts/smoke.ts --base-url "$BASE_URL"'`);
    expect(release[rollout].env).toMatchObject({
      BASE_URL: expr('needs.apply.outputs.base_url'),
      SMOKE_ADMIN_EMAIL: expr('vars.SMOKE_ADMIN_EMAIL'),
      SMOKE_ADMIN_PASSWORD: expr('secrets.SMOKE_ADMIN_PASSWORD'),
    });
    expect(release[smoke].with['base-url']).toBe(expr('needs.apply.outputs.base_url'));
    expect(release[smoke].with['admin-password']).toBe(expr('secrets.SMOKE_ADMIN_PASSWORD'));
  });

  it('previews: built, applied and smoke-tested on a push; torn down on close and by the daily sweep', () => {
    const preview = workflows['preview.yml'];
    expect(preview.on.pull_request.types.sort()).toEqual(['closed', 'opened', 'reopened', 'synchronize']);
    const prepare = steps(preview.jobs.prepare);
    expect(prepare.find((s: Yaml) => s.id === 'release').run).toContain('release.ts plan --mode preview');
    // the pull request's own repositories exist before its images are built
    expect(prepare.at(-1)).toMatchObject({
      if: "steps.release.outputs.builds != '[]'",
      uses: './.github/actions/preview-stack',
      with: { target: 'aws_ecr_repository_policy.preview', builds: expr('steps.release.outputs.builds') },
    });
    expect(preview.jobs.build.needs).toBe('prepare');
    expect(preview.jobs.deploy.needs).toEqual(['prepare', 'build']);
    const deploySteps = steps(preview.jobs.deploy);
    expect(deploySteps.at(-2)).toMatchObject({
      uses: './.github/actions/preview-stack',
      with: { images: expr('needs.prepare.outputs.images'), builds: expr('needs.prepare.outputs.builds') },
    });
    expect(deploySteps.at(-1).uses).toBe('./.github/actions/smoke');
    expect(deploySteps.at(-1).with['base-url']).toBe(expr('needs.prepare.outputs.url'));
    expect(preview.jobs.teardown.if).toContain("needs.gate.outputs.action == 'teardown'");
    expect(steps(preview.jobs.teardown).at(-1)).toMatchObject({
      uses: './.github/actions/preview-stack',
      with: { 'remove-state': 'true' },
    });
    expect(steps(preview.jobs.teardown).at(-1).with.images).toBeUndefined(); // {}: nothing
    const sweep = workflows['preview-sweep.yml'];
    expect(Object.keys(sweep.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(steps(sweep.jobs.teardown).at(-1)).toMatchObject({
      uses: './.github/actions/preview-stack',
      with: { 'remove-state': 'true', pr: expr('matrix.pr') },
    });
    expect(steps(sweep.jobs.find).at(-1).run).toContain('node scripts/preview.ts stale --keys "$keys"');
    expect(actions['preview-stack'].inputs.images.default).toBe('{}');
    expect(actions['preview-stack'].runs.steps[0].with).toMatchObject({ stacks: 'preview', environment: 'staging' });
  });

  it('terraform-lock: by hand only, providers lock for the five platforms in the four roots, then a pull request', () => {
    const lock = workflows['terraform-lock.yml'];
    expect(Object.keys(lock.on)).toEqual(['workflow_dispatch']);
    const runs = steps(lock.jobs.lock)
      .map((s) => s.run ?? '')
      .join('\n');
    const platforms = [...runs.matchAll(/-platform=(\w+)/g)].map((m) => m[1]);
    expect(platforms.sort()).toEqual(['darwin_amd64', 'darwin_arm64', 'linux_amd64', 'linux_arm64', 'windows_amd64']);
    expect(runs).toContain(
      'for dir in infra/terraform infra/terraform/bootstrap infra/terraform/credentials infra/terraform/preview',
    );
    expect(runs).toContain('gh pr create');
    expect(assumesRole(lock.jobs.lock)).toBe(false);
  });
});

describe('docs/FORKING.md', () => {
  const forking = readFileSync(join(root, 'docs', 'FORKING.md'), 'utf8');
  const all = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');

  it('explains every variable and secret the workflows read, and no other', () => {
    const used = (kind: string) =>
      new Set([...all.matchAll(new RegExp(`${kind}\\.([A-Z][A-Z0-9_]+)`, 'g'))].map((m) => m[1]));
    expect(forking).toContain('| Variable | Value | What it is for | What it costs |');
    const tableRows = new Set([...forking.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    expect([...used('vars')].sort()).toEqual([...tableRows].sort());
    for (const row of forking.match(/^\| `[A-Z][A-Z0-9_]+` \|.*$/gm) ?? []) {
      expect(row.split(' | ').length, row).toBe(4); // variable, value, what for, what it costs
    }
    for (const secret of used('secrets')) expect(forking).toContain(`\`${secret}\``);
  });

  it('names bootstrap outputs that exist', () => {
    const outputs = readFileSync(join(root, 'infra', 'terraform', 'bootstrap', 'outputs.tf'), 'utf8');
    const named = [...forking.matchAll(/bootstrap output `(\w+)`/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThanOrEqual(4);
    for (const output of named) expect(outputs).toContain(`output "${output}"`);
  });
});

// --- the scripts themselves ------------------------------------------------------------------

function step(file: string, job: string, match: (s: Yaml) => boolean): Yaml {
  const found = steps(workflows[file].jobs[job]).find(match);
  if (!found) throw new Error(`no such step in ${file}:${job}`);
  return found;
}

/** Runs a step's script as the runner does (bash -eo pipefail), returning its exit code and outputs. */
function runStep(script: string, env: Record<string, string>, cwd = root) {
  const work = mkdtempSync(join(tmpdir(), 'step-'));
  const output = join(work, 'output');
  writeFileSync(output, '');
  let code = 0;
  let log = '';
  try {
    log = execFileSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: work, GITHUB_OUTPUT: output, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    code = e.status;
    log = e.stdout + e.stderr;
  }
  const outputs = Object.fromEntries(
    readFileSync(output, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { code, log, outputs };
}

/** A directory of fake commands: name => shell script body (each records its arguments). */
function fakeBin(commands: Record<string, string>): { bin: string; calls: string; PATH: string } {
  const bin = mkdtempSync(join(tmpdir(), 'bin-'));
  const calls = join(bin, 'calls.log');
  writeFileSync(calls, '');
  for (const [name, body] of Object.entries(commands)) {
    writeFileSync(join(bin, name), `#!/bin/bash\necho "${name} $*" >> ${JSON.stringify(calls)}\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return { bin, calls, PATH: `${bin}:${process.env.PATH}` };
}
const callsOf = (calls: string) => readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean);

describe('workflow scripts', () => {
  it('plan gate: AWS only for pull requests of this repository with the three variables set', () => {
    const gate = step('plan.yml', 'gate', (s) => s.id === 'gate').run;
    const base = {
      HEAD_REPO: 'acme/platform',
      THIS_REPO: 'acme/platform',
      ROLE: 'arn:aws:iam::123456789012:role/platform-github-plan',
      REGION: 'eu-west-1',
      BUCKET: 'platform-tfstate',
    };
    expect(runStep(gate, base).outputs.aws).toBe('true');
    for (const [name, env] of Object.entries({
      fork: { ...base, HEAD_REPO: 'mallory/platform' },
      'deleted fork': { ...base, HEAD_REPO: '' },
      'no role': { ...base, ROLE: '' },
      'no region': { ...base, REGION: '' },
      'no bucket': { ...base, BUCKET: '' },
    })) {
      const run = runStep(gate, env);
      expect(run.code, name).toBe(0); // skipped, not failed
      expect(run.outputs.aws, name).toBe('false');
      expect(run.log, name).toContain('::notice::');
    }
  });

  it('plan: the environments are the tfvars files', () => {
    const script = step('plan.yml', 'gate', (s) => s.id === 'environments').run;
    const run = runStep(script, {});
    expect(run.code, run.log).toBe(0);
    expect(JSON.parse(run.outputs.environments ?? '')).toEqual(['production', 'staging']);
  });

  it('deploy gate: only main, only with the repository variables set', () => {
    const gate = step('deploy.yml', 'gate', (s) => s.id === 'gate').run;
    const base = { REF: 'refs/heads/main', REGION: 'eu-west-1', BUCKET: 'b' };
    expect(runStep(gate, base).outputs.aws).toBe('true');
    expect(runStep(gate, { ...base, REF: 'refs/heads/feature' }).outputs.aws).toBe('false');
    expect(runStep(gate, { ...base, BUCKET: '' }).outputs.aws).toBe('false');
  });

  it('preview gate: PREVIEWS=true and a branch of this repository, never a fork; closing tears down', () => {
    const gate = step('preview.yml', 'gate', (s) => s.id === 'gate').run;
    const base = {
      PREVIEWS: 'true',
      HEAD_REPO: 'acme/platform',
      THIS_REPO: 'acme/platform',
      REGION: 'eu-west-1',
      BUCKET: 'b',
      EVENT: 'synchronize',
    };
    expect(runStep(gate, base).outputs).toEqual({ aws: 'true', action: 'deploy' });
    expect(runStep(gate, { ...base, EVENT: 'closed' }).outputs).toEqual({ aws: 'true', action: 'teardown' });
    for (const [name, env] of Object.entries({
      'previews off': { ...base, PREVIEWS: '' },
      'previews "1"': { ...base, PREVIEWS: '1' },
      fork: { ...base, HEAD_REPO: 'mallory/platform' },
      'closed fork': { ...base, HEAD_REPO: 'mallory/platform', EVENT: 'closed' },
      'no bucket': { ...base, BUCKET: '' },
    })) {
      const run = runStep(gate, env);
      expect(run.code, name).toBe(0);
      expect(run.outputs.aws, name).toBe('false');
      expect(run.log, name).toContain('::notice::');
    }
  });

  it('ci-ok fails when a job it needs failed, was cancelled or skipped', () => {
    const script = step('ci.yml', 'ci-ok', (s) => Boolean(s.run)).run;
    const needs = (result: string) =>
      JSON.stringify({ lint: { result: 'success', outputs: {} }, unit: { result, outputs: {} } });
    expect(runStep(script, { RESULTS: needs('success') }).code).toBe(0);
    for (const result of ['failure', 'cancelled', 'skipped']) {
      expect(runStep(script, { RESULTS: needs(result) }).code, result).not.toBe(0);
    }
  });

  it('terraform init: each environment’s own state keys, a preview’s under previews/, nothing else', () => {
    const script = actions.terraform.runs.steps.find((s: Yaml) => s.name === 'terraform init').run;
    const fake = fakeBin({ terraform: 'exit 0' });
    const init = (env: Record<string, string>) => {
      writeFileSync(fake.calls, '');
      const run = runStep(script, { PATH: fake.PATH, BUCKET: 'b', REGION: 'eu-west-1', PREVIEW: '', ...env });
      return { ...run, calls: callsOf(fake.calls) };
    };
    const staging = init({ ENVIRONMENT: 'staging', STACKS: 'platform credentials' });
    expect(staging.code, staging.log).toBe(0);
    expect(staging.calls.map((c) => c.match(/key=(\S+)/)?.[1])).toEqual([
      'platform/staging.tfstate',
      'credentials/staging.tfstate',
    ]);
    expect(staging.calls[0]).toContain('-chdir=infra/terraform init');
    const preview = init({ ENVIRONMENT: 'staging', STACKS: 'preview', PREVIEW: '42' });
    expect(preview.calls).toHaveLength(1);
    expect(preview.calls[0]).toMatch(/-chdir=infra\/terraform\/preview init .*key=previews\/pr-42\.tfstate/);
    for (const [name, env] of Object.entries<Record<string, string>>({
      'no environment': { ENVIRONMENT: '', STACKS: 'platform' },
      'a path for an environment': { ENVIRONMENT: '../production', STACKS: 'platform' },
      'a preview without a number': { ENVIRONMENT: 'staging', STACKS: 'preview', PREVIEW: 'x' },
      'an unknown stack': { ENVIRONMENT: 'staging', STACKS: 'bootstrap' },
    })) {
      const run = init(env);
      expect(run.code, name).toBe(1);
      expect(run.log, name).toContain('::error::');
    }
  });

  it('a job of an environment without AWS_DEPLOY_ROLE_ARN stops with what to set', () => {
    const check = actions.terraform.runs.steps.find((s: Yaml) => s.name === 'The environment has its deploy role');
    expect(check.if).toBe("inputs.role-arn == '' && inputs.environment != ''");
    const run = runStep(check.run, { ENVIRONMENT: 'staging' });
    expect(run.code).toBe(1);
    expect(run.log).toContain('the GitHub environment staging has no variable AWS_DEPLOY_ROLE_ARN');
    expect(run.log).toContain('deploy_role_arns["staging"]');
  });

  it('smoke refuses to run without the admin credentials (smoke.ts would use its development password), or over http', () => {
    const script = actions.smoke.runs.steps[0].run;
    const base = { ENVIRONMENT: 'production', SMOKE_ADMIN_EMAIL: 'ops@example.com' };
    const run = runStep(script, { ...base, BASE_URL: 'https://d1.cloudfront.net' });
    expect(run.code).toBe(1);
    expect(run.log).toContain('SMOKE_ADMIN_PASSWORD of the GitHub environment production');
    const fake = fakeBin({ node: 'exit 0' });
    const env = { ...base, PATH: fake.PATH, SMOKE_ADMIN_PASSWORD: 'x' };
    const http = runStep(script, { ...env, BASE_URL: 'http://p-alb-1.eu-west-1.elb.amazonaws.com' });
    expect(http.code).toBe(1);
    expect(http.log).toContain('not https');
    const https = runStep(script, { ...env, BASE_URL: 'https://d1.cloudfront.net/pr-42' });
    expect(https.code, https.log).toBe(0);
    expect(callsOf(fake.calls)).toEqual(['node scripts/smoke.ts --base-url https://d1.cloudfront.net/pr-42']);
  });

  it('apply stops unless its plan has the digest of the reviewed one', () => {
    const script = step('environment.yml', 'apply', (s) => s.env?.REVIEWED !== undefined).run;
    const digest = 'a'.repeat(64);
    expect(runStep(script, { REVIEWED: digest, PLANNED: digest }).code).toBe(0);
    const changed = runStep(script, { REVIEWED: digest, PLANNED: 'b'.repeat(64) });
    expect(changed.code).toBe(1);
    expect(changed.log).toContain('nothing applied');
    expect(runStep(script, { REVIEWED: '', PLANNED: '' }).code).toBe(1); // no reviewed plan, no apply
  });

  it("the broker's log group gets the retention and the platform key, once Amazon MQ has created it", () => {
    const script = step('environment.yml', 'apply', (s) => String(s.run).includes('put-retention-policy')).run;
    const group = '/aws/amazonmq/broker/b-1234/general';
    const fake = fakeBin({
      aws: `[ "$2" = describe-log-groups ] && [ -n "$EXISTS" ] && echo ${JSON.stringify(group)}\nexit 0`,
    });
    const env = {
      PATH: fake.PATH,
      BROKER_ID: 'b-1234',
      RETENTION: '30',
      KMS_KEY: 'arn:aws:kms:eu-west-1:1:key/k',
      REGION: 'eu-west-1',
    };
    const later = runStep(script, env);
    expect(later.code, later.log).toBe(0);
    expect(later.log).toContain('does not exist yet');
    writeFileSync(fake.calls, '');
    const run = runStep(script, { ...env, EXISTS: '1' });
    expect(run.code, run.log).toBe(0);
    expect(callsOf(fake.calls).slice(1)).toEqual([
      `aws logs put-retention-policy --region eu-west-1 --log-group-name ${group} --retention-in-days 30`,
      `aws logs associate-kms-key --region eu-west-1 --log-group-name ${group} --kms-key-id arn:aws:kms:eu-west-1:1:key/k`,
    ]);
  });

  it('image: built once per tag, for every platform asked, pushed to the environment’s repository', () => {
    const script = actions.image.runs.steps[0].run;
    const fake = fakeBin({
      aws: '[ "$2" = describe-images ] && [ -n "$EXISTS" ] && exit 0\n[ "$2" = describe-images ] && exit 254\necho token',
      docker: 'cat >/dev/null; exit 0',
    });
    const env = {
      PATH: fake.PATH,
      SERVICE: 'products',
      PLATFORMS: 'linux/amd64,linux/arm64',
      REPOSITORY: '1.dkr.ecr.eu-west-1.amazonaws.com/platform-staging/products',
      TAG: 'a'.repeat(40),
      REGION: 'eu-west-1',
      GITHUB_STEP_SUMMARY: join(mkdtempSync(join(tmpdir(), 'summary-')), 's.md'),
    };
    const built = runStep(script, env);
    expect(built.code, built.log).toBe(0);
    const calls = callsOf(fake.calls);
    expect(calls[0]).toBe(
      `aws ecr describe-images --region eu-west-1 --repository-name platform-staging/products --image-ids imageTag=${'a'.repeat(40)}`,
    );
    expect(calls).toContain('docker login --username AWS --password-stdin 1.dkr.ecr.eu-west-1.amazonaws.com');
    expect(calls.at(-1)).toBe(
      `docker buildx build --platform linux/amd64,linux/arm64 --file Dockerfile --build-arg SERVICE=products --tag ${env.REPOSITORY}:${env.TAG} --label org.opencontainers.image.revision=${env.TAG} --provenance=false --push .`,
    );
    writeFileSync(fake.calls, '');
    const again = runStep(script, { ...env, EXISTS: '1' });
    expect(again.code, again.log).toBe(0);
    expect(again.log).toContain('exists already'); // tags are immutable: a re-run builds nothing
    expect(callsOf(fake.calls).some((c) => c.startsWith('docker'))).toBe(false);
  });

  it('preview stack: applies the images (only the repositories first, when asked), and a teardown deletes the state', () => {
    const script = actions['preview-stack'].runs.steps[1].run;
    const fake = fakeBin({ terraform: 'exit 0', aws: 'exit 0' });
    const apply = (env: Record<string, string>) => {
      writeFileSync(fake.calls, '');
      const run = runStep(script, {
        PATH: fake.PATH,
        PR: '42',
        IMAGES: '{"customer":"r/platform-staging/pr42/customer:abc"}',
        BUILDS: '["customer"]',
        TARGET: '',
        REMOVE_STATE: 'false',
        BUCKET: 'b',
        REGION: 'eu-west-1',
        ...env,
      });
      expect(run.code, run.log).toBe(0);
      return callsOf(fake.calls);
    };
    const vars = `-var pr_number=42 -var images={"customer":"r/platform-staging/pr42/customer:abc"} -var builds=["customer"] -var state_bucket=b -var region=eu-west-1`;
    expect(apply({})).toEqual([`terraform apply -auto-approve -input=false -no-color -lock-timeout=10m ${vars}`]);
    expect(apply({ TARGET: 'aws_ecr_repository_policy.preview' })).toEqual([
      `terraform apply -auto-approve -input=false -no-color -lock-timeout=10m ${vars} -target=aws_ecr_repository_policy.preview`,
    ]);
    expect(apply({ IMAGES: '{}', BUILDS: '[]', REMOVE_STATE: 'true' })).toEqual([
      'terraform apply -auto-approve -input=false -no-color -lock-timeout=10m -var pr_number=42 -var images={} -var builds=[] -var state_bucket=b -var region=eu-west-1',
      'aws s3api delete-object --region eu-west-1 --bucket b --key previews/pr-42.tfstate',
    ]);
  });

  it('plan comment: a section per environment, from each plan job’s artifact', () => {
    const script = step('plan.yml', 'comment', (s) => String(s.run).includes('plan-comment.ts')).run;
    const fake = fakeBin({ node: 'exit 0' });
    const run = runStep(script, {
      PATH: fake.PATH,
      RUNNER_TEMP: '/tmp/r',
      PR_NUMBER: '7',
      ENVIRONMENTS: '["production","staging"]',
      RUN_URL: 'https://github.com/acme/platform/actions/runs/1',
      HEAD_SHA: 'abc',
    });
    expect(run.code, run.log).toBe(0);
    expect(callsOf(fake.calls)).toEqual([
      'node scripts/plan-comment.ts --pr 7 --plan production=/tmp/r/plans/plan-text-production --plan staging=/tmp/r/plans/plan-text-staging --run-url https://github.com/acme/platform/actions/runs/1 --commit abc',
    ]);
  });

  it('preview comment: deployed, removed, or failed, with the URL and images', () => {
    const script = step('preview.yml', 'comment', (s) => String(s.run).includes('plan-comment.ts')).run;
    const fake = fakeBin({ node: 'exit 0' });
    const status = (env: Record<string, string>) => {
      writeFileSync(fake.calls, '');
      const run = runStep(script, {
        PATH: fake.PATH,
        PR_NUMBER: '7',
        URL: 'https://d1.cloudfront.net/pr-7',
        IMAGES: '{"customer":"r:1"}',
        RUN_URL: 'u',
        HEAD_SHA: 'abc',
        ...env,
      });
      expect(run.code, run.log).toBe(0);
      return callsOf(fake.calls)[0]?.match(/--preview (\S+)/)?.[1];
    };
    expect(status({ ACTION: 'deploy', DEPLOYED: 'success', REMOVED: 'skipped' })).toBe('deployed');
    expect(status({ ACTION: 'deploy', DEPLOYED: 'failure', REMOVED: 'skipped' })).toBe('failed');
    expect(status({ ACTION: 'deploy', DEPLOYED: 'skipped', REMOVED: 'skipped' })).toBe('failed'); // the build failed
    expect(status({ ACTION: 'teardown', DEPLOYED: 'skipped', REMOVED: 'success' })).toBe('removed');
    expect(status({ ACTION: 'teardown', DEPLOYED: 'skipped', REMOVED: 'failure' })).toBe('failed');
    expect(callsOf(fake.calls)[0]).toContain(
      '--preview-url https://d1.cloudfront.net/pr-7 --preview-images {"customer":"r:1"}',
    );
  });
});
