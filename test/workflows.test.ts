/**
 * The GitHub workflows, read as a reviewer would: actionlint passes, every external action is
 * pinned to a commit with its version beside it, every job has least-privilege permissions and a
 * timeout, no event data or step output is pasted into a script, AWS is reached through OIDC only,
 * no plan file travels between jobs (apply plans again and applies only the reviewed plan, by its
 * digest), pull-request plans never take the state lock. And their scripts run: the gates, the
 * digest comparison, the broker's log retention, the aggregate check and the choice of what to
 * build and deploy, with a fake AWS CLI and a git repository of their own.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
const steps = (job: Yaml): Yaml[] => job.steps ?? [];
const jobsOf = (file: string): Array<[string, Yaml]> => Object.entries(workflows[file].jobs);
/** A workflow expression as written in the YAML. */
const expr = (e: string) => `\${{ ${e} }}`;

/** Does the job get AWS credentials (the OIDC token's only use here)? */
const assumesRole = (job: Yaml) =>
  steps(job).some(
    (s) =>
      String(s.uses ?? '').startsWith('aws-actions/configure-aws-credentials@') ||
      (s.uses === './.github/actions/terraform' && s.with?.['role-arn']),
  );

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

  it('deny everything at the top; each job has a timeout and only the permissions it uses', () => {
    for (const [file, wf] of Object.entries(workflows)) {
      expect(wf.permissions, file).toEqual({});
      expect(wf.concurrency?.group, file).toBeTruthy();
      expect(Object.keys(wf.on), file).not.toContain('pull_request_target');
      for (const [name, job] of jobsOf(file)) {
        const where = `${file}:${name}`;
        expect(job['timeout-minutes'], where).toBeGreaterThan(0);
        expect(job.permissions, where).toBeDefined();
        const permissions = job.permissions as Record<string, string>;
        for (const [scope, level] of Object.entries(permissions)) {
          if (level === 'write')
            expect(['id-token', 'pull-requests', 'contents'], `${where} writes ${scope}`).toContain(scope);
        }
        // contents only where the lock files are pushed, for a pull request
        expect(permissions.contents === 'write', `${where}: contents`).toBe(file === 'terraform-lock.yml');
        // the OIDC token only where a role is assumed, and the other way round
        expect(permissions['id-token'] === 'write', `${where}: id-token`).toBe(assumesRole(job));
        // pull requests only from the plan comment job and the lock files job, neither with AWS access
        const writesPullRequest = permissions['pull-requests'] === 'write';
        expect(writesPullRequest, `${where}: pull-requests`).toBe(
          (file === 'plan.yml' && name === 'comment') || file === 'terraform-lock.yml',
        );
        if (writesPullRequest) expect(assumesRole(job), where).toBe(false);
      }
    }
  });

  it('never paste expressions into run scripts (event data and step outputs go through env)', () => {
    const scripts: Array<[string, string]> = [];
    for (const [file, wf] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries<Yaml>(wf.jobs)) {
        for (const step of steps(job)) if (step.run) scripts.push([`${file}:${name}`, step.run]);
      }
    }
    for (const file of actionFiles) {
      for (const step of parse(readFileSync(file, 'utf8')).runs.steps ?? [])
        if (step.run) scripts.push([file, step.run]);
    }
    expect(scripts.length).toBeGreaterThan(10);
    for (const [where, script] of scripts) expect(script, where).not.toContain(`\${{`);
  });

  it('reach AWS through OIDC roles only: the plan role from pull requests, the deploy role from the production environment', () => {
    for (const file of [...files.map((f) => join(dir, f)), ...actionFiles]) {
      expect(readFileSync(file, 'utf8')).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY|secrets\.AWS_/);
    }
    for (const [name, job] of jobsOf('deploy.yml')) {
      if (!assumesRole(job)) continue;
      expect(JSON.stringify(job), name).toContain('vars.AWS_DEPLOY_ROLE_ARN');
      expect(job.environment, name).toBe('production');
    }
    const plan = workflows['plan.yml'];
    expect(Object.keys(plan.on)).toEqual(['pull_request']);
    expect(JSON.stringify(plan.jobs.plan.steps)).toContain('vars.AWS_PLAN_ROLE_ARN');
    expect(plan.jobs.plan.environment).toBeUndefined(); // the plan role trusts pull_request jobs
    expect(workflows['deploy.yml'].concurrency['cancel-in-progress']).toBe(false);
    // the credentials stack's state (the broker password) is initialised with the deploy role only
    for (const [file, wf] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries<Yaml>(wf.jobs)) {
        for (const s of steps(job)) {
          if (String(s.with?.stacks ?? '').includes('credentials'))
            expect(s.with['role-arn'], `${file}:${name}`).toBe(expr('vars.AWS_DEPLOY_ROLE_ARN'));
        }
      }
    }
  });

  it('pull-request plans never take the state lock and publish text only', () => {
    const runs = steps(workflows['plan.yml'].jobs.plan)
      .map((s) => s.run ?? '')
      .join('\n');
    const planCommand = runs.match(/terraform plan [^\n]*/)?.[0] ?? '';
    expect(planCommand).toContain('-lock=false');
    expect(planCommand).not.toContain('-lock-timeout');
    const uploads = steps(workflows['plan.yml'].jobs.plan).filter((s) =>
      String(s.uses).startsWith('actions/upload-artifact@'),
    );
    expect(uploads.map((u) => u.with.path)).toEqual(['infra/terraform/plan.txt']);
  });

  it('no workflow passes a plan file, or any file, between jobs of a deploy', () => {
    const deploy = readFileSync(join(dir, 'deploy.yml'), 'utf8');
    expect(deploy).not.toMatch(/upload-artifact|download-artifact/);
    for (const [file, wf] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries<Yaml>(wf.jobs)) {
        for (const s of steps(job).filter((x) => String(x.uses).startsWith('actions/upload-artifact@')))
          expect(String(s.with.path), `${file}:${name}`).toMatch(/\.txt$/);
      }
    }
  });

  it('plan comment: every AWS step of the plan job waits for the gate; the comment job only for a plan', () => {
    const plan = workflows['plan.yml'].jobs.plan;
    const [gate, ...rest] = steps(plan);
    expect(gate.id).toBe('gate');
    for (const step of rest) expect(String(step.if), step.name ?? step.uses).toMatch(/steps\.(gate|plan)\./);
    const comment = workflows['plan.yml'].jobs.comment;
    expect(comment.needs).toBe('plan');
    expect(comment.if).toContain("needs.plan.outputs.aws == 'true'");
    expect(comment.if).toContain('!cancelled()'); // a failed plan is commented on too
    expect(JSON.stringify(comment.steps)).toContain('scripts/plan-comment.ts');
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

  it('deploy: apply plans again and applies only the reviewed plan (by digest); then the credentials stack, build, deploy, smoke', () => {
    const deploy = workflows['deploy.yml'];
    const runs = (job: string) =>
      steps(deploy.jobs[job])
        .map((s) => s.run ?? '')
        .join('\n');
    expect(runs('plan')).toMatch(/terraform plan .*-out=tfplan/);
    expect(runs('plan')).toMatch(/plan-comment\.ts --plan-file plan\.txt --digest/);
    expect(deploy.jobs.plan.outputs.digest).toBe(expr('steps.digest.outputs.digest'));
    expect(deploy.jobs.apply.needs).toBe('plan');
    expect(deploy.jobs.apply.environment).toBe('production');
    const applySteps = steps(deploy.jobs.apply);
    const at = (match: (s: Yaml) => boolean) => applySteps.findIndex(match);
    const replan = at((s) => s.id === 'replan');
    const compare = at((s) => s.env?.REVIEWED !== undefined);
    const apply = at((s) => /^terraform apply .* tfplan$/.test(String(s.run)));
    const credentials = at(
      (s) => s['working-directory'] === 'infra/terraform/credentials' && /terraform apply/.test(String(s.run)),
    );
    expect(applySteps[replan].run).toMatch(/terraform plan .*-out=tfplan[\s\S]*--digest/);
    expect(applySteps[compare].env).toEqual({
      REVIEWED: expr('needs.plan.outputs.digest'),
      PLANNED: expr('steps.replan.outputs.digest'),
    });
    expect(replan).toBeGreaterThan(-1);
    expect(compare).toBeGreaterThan(replan);
    expect(apply).toBeGreaterThan(compare);
    expect(credentials).toBeGreaterThan(apply); // it reads what the main stack just applied
    expect(deploy.jobs.apply.steps.find((s: Yaml) => s.uses === './.github/actions/terraform').with.stacks).toBe(
      'platform credentials',
    );
    expect(runs('build')).toMatch(/image="\$repository:\$GITHUB_SHA"/);
    expect(runs('build')).toMatch(/docker build --platform "\$PLATFORM"/);
    // the one Dockerfile, for the service the matrix names
    expect(runs('build')).toMatch(/--file Dockerfile --build-arg "SERVICE=\$SERVICE"/);
    expect(deploy.jobs.build.needs).toBe('apply');
    expect(deploy.jobs.deploy.needs).toEqual(['apply', 'build']);
    expect(runs('deploy')).toMatch(/node scripts\/deploy-ecs\.ts .*--rollback-on-timeout/s);
    expect(deploy.jobs.smoke.needs).toEqual(['apply', 'build', 'deploy']);
    expect(runs('smoke')).toContain('node scripts/smoke.ts --base-url');
    expect(steps(deploy.jobs.smoke).at(-1).env.BASE_URL).toBe(expr('needs.apply.outputs.base_url'));
    for (const job of ['deploy', 'smoke']) {
      expect(deploy.jobs[job].if, job).toContain('!cancelled()');
      expect(deploy.jobs[job].if, job).toContain("needs.apply.result == 'success'");
      expect(deploy.jobs[job].if, job).toContain("needs.build.result == 'success' || needs.build.result == 'skipped'");
    }
  });

  it('terraform-lock: by hand only, providers lock for the five platforms in the three roots, then a pull request', () => {
    const lock = workflows['terraform-lock.yml'];
    expect(Object.keys(lock.on)).toEqual(['workflow_dispatch']);
    const runs = steps(lock.jobs.lock)
      .map((s) => s.run ?? '')
      .join('\n');
    const platforms = [...runs.matchAll(/-platform=(\w+)/g)].map((m) => m[1]);
    expect(platforms.sort()).toEqual(['darwin_amd64', 'darwin_arm64', 'linux_amd64', 'linux_arm64', 'windows_amd64']);
    expect(runs).toContain('for dir in infra/terraform infra/terraform/bootstrap infra/terraform/credentials');
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

describe('workflow scripts', () => {
  it('plan gate: AWS only for pull requests of this repository with the three variables set', () => {
    const gate = step('plan.yml', 'plan', (s) => s.id === 'gate').run;
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

  it('deploy gate: only main, only with the variables set', () => {
    const gate = step('deploy.yml', 'gate', (s) => s.id === 'gate').run;
    const base = { REF: 'refs/heads/main', ROLE: 'arn:role', REGION: 'eu-west-1', BUCKET: 'b' };
    expect(runStep(gate, base).outputs.aws).toBe('true');
    expect(runStep(gate, { ...base, REF: 'refs/heads/feature' }).outputs.aws).toBe('false');
    expect(runStep(gate, { ...base, ROLE: '' }).outputs.aws).toBe('false');
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

  it('smoke refuses to run without the admin credentials (smoke.ts would use its development password), or over http', () => {
    const script = step('deploy.yml', 'smoke', (s) => String(s.run).includes('smoke.ts')).run;
    const run = runStep(script, { BASE_URL: 'https://d1.cloudfront.net', SMOKE_ADMIN_EMAIL: 'ops@example.com' });
    expect(run.code).toBe(1);
    expect(run.log).toContain('SMOKE_ADMIN_PASSWORD');
    const bin = mkdtempSync(join(tmpdir(), 'node-'));
    writeFileSync(join(bin, 'node'), '#!/bin/sh\necho "node $*"\n');
    chmodSync(join(bin, 'node'), 0o755);
    const env = { PATH: `${bin}:${process.env.PATH}`, SMOKE_ADMIN_EMAIL: 'ops@example.com', SMOKE_ADMIN_PASSWORD: 'x' };
    const http = runStep(script, { ...env, BASE_URL: 'http://p-alb-1.eu-west-1.elb.amazonaws.com' });
    expect(http.code).toBe(1);
    expect(http.log).toContain('not https');
    const https = runStep(script, { ...env, BASE_URL: 'https://d1.cloudfront.net' });
    expect(https.code, https.log).toBe(0);
    expect(https.log).toContain('node scripts/smoke.ts --base-url https://d1.cloudfront.net');
  });

  it('apply stops unless its plan has the digest of the reviewed one', () => {
    const script = step('deploy.yml', 'apply', (s) => s.env?.REVIEWED !== undefined).run;
    const digest = 'a'.repeat(64);
    expect(runStep(script, { REVIEWED: digest, PLANNED: digest }).code).toBe(0);
    const changed = runStep(script, { REVIEWED: digest, PLANNED: 'b'.repeat(64) });
    expect(changed.code).toBe(1);
    expect(changed.log).toContain('nothing applied');
    expect(runStep(script, { REVIEWED: '', PLANNED: '' }).code).toBe(1); // no reviewed plan, no apply
  });

  it("the broker's log group gets the retention and the platform key, once Amazon MQ has created it", () => {
    const script = step('deploy.yml', 'apply', (s) => String(s.run).includes('put-retention-policy')).run;
    const bin = mkdtempSync(join(tmpdir(), 'aws-'));
    const calls = join(bin, 'calls.log');
    const group = '/aws/amazonmq/broker/b-1234/general';
    writeFileSync(
      join(bin, 'aws'),
      `#!/bin/sh\necho "$*" >> ${JSON.stringify(calls)}\n[ "$2" = describe-log-groups ] && [ -n "$EXISTS" ] && echo ${JSON.stringify(group)}\nexit 0\n`,
    );
    chmodSync(join(bin, 'aws'), 0o755);
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      BROKER_ID: 'b-1234',
      RETENTION: '30',
      KMS_KEY: 'arn:aws:kms:eu-west-1:1:key/k',
      REGION: 'eu-west-1',
    };
    const later = runStep(script, env);
    expect(later.code, later.log).toBe(0);
    expect(later.log).toContain('does not exist yet');
    writeFileSync(calls, '');
    const run = runStep(script, { ...env, EXISTS: '1' });
    expect(run.code, run.log).toBe(0);
    expect(readFileSync(calls, 'utf8').trim().split('\n').slice(1)).toEqual([
      `logs put-retention-policy --region eu-west-1 --log-group-name ${group} --retention-in-days 30`,
      `logs associate-kms-key --region eu-west-1 --log-group-name ${group} --kms-key-id arn:aws:kms:eu-west-1:1:key/k`,
    ]);
  });

  it('apply outputs: region, base URL, and per service its cluster, service, repository and family', () => {
    const bin = mkdtempSync(join(tmpdir(), 'terraform-'));
    const outputs = {
      region: { value: 'eu-west-1' },
      base_url: { value: 'https://d1.cloudfront.net' },
      deploy_targets: {
        value: { customer: { cluster: 'p', service: 'customer', repository: 'r/p/customer' } },
      },
      task_definition_families: { value: { customer: 'p-customer' } },
      database_endpoint: { value: 'db' },
    };
    writeFileSync(join(bin, 'outputs.json'), JSON.stringify(outputs));
    writeFileSync(
      join(bin, 'terraform'),
      `#!/bin/sh\n[ "$1 $2" = "output -json" ] && exec cat ${JSON.stringify(join(bin, 'outputs.json'))}\nexit 2\n`,
    );
    chmodSync(join(bin, 'terraform'), 0o755);
    const script = step('deploy.yml', 'apply', (s) => s.id === 'out').run;
    const run = runStep(script, {
      PATH: `${bin}:${process.env.PATH}`,
      RUNNER_TEMP: mkdtempSync(join(tmpdir(), 'runner-temp-')),
    });
    expect(run.code, run.log).toBe(0);
    expect(run.outputs.region).toBe('eu-west-1');
    expect(run.outputs.base_url).toBe('https://d1.cloudfront.net');
    expect(JSON.parse(run.outputs.targets ?? '')).toEqual({
      customer: { cluster: 'p', service: 'customer', repository: 'r/p/customer', family: 'p-customer' },
    });
  });

  it("deploy: runs deploy-ecs for the service, with the commit's image or --keep-image", () => {
    const bin = mkdtempSync(join(tmpdir(), 'node-'));
    writeFileSync(join(bin, 'node'), '#!/bin/sh\nprintf "%s\\n" "$@"\n'); // one argument a line
    chmodSync(join(bin, 'node'), 0o755);
    const script = step('deploy.yml', 'deploy', (s) => String(s.run).includes('deploy-ecs.ts')).run;
    const targets = {
      products: { cluster: 'p', service: 'products', repository: 'r/p/products', family: 'p-products' },
    };
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      SERVICE: 'products',
      TARGETS: JSON.stringify(targets),
      REGION: 'eu-west-1',
      GITHUB_SHA: 'a'.repeat(40),
    };
    const args = (image: string) =>
      runStep(script, { ...env, NEW_IMAGE: image })
        .log.trim()
        .split('\n');
    const common = ['scripts/deploy-ecs.ts', '--region', 'eu-west-1', '--cluster', 'p', '--service', 'products'];
    expect(args('true')).toEqual([
      ...common,
      '--container',
      'products',
      '--image',
      `r/p/products:${'a'.repeat(40)}`,
      '--timeout',
      '900',
      '--rollback-on-timeout',
    ]);
    expect(args('false')).toEqual([
      ...common,
      '--container',
      'products',
      '--keep-image',
      '--timeout',
      '900',
      '--rollback-on-timeout',
    ]);
  });

  it('release: builds what is not built from the current code, redeploys what Terraform reconfigured', () => {
    // a repository whose service code changes after the first commit
    const repo = mkdtempSync(join(tmpdir(), 'release-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
        cwd: repo,
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    for (const svc of ['customer', 'products', 'shopping', 'shared']) {
      mkdirSync(join(repo, 'services', svc, 'src'), { recursive: true });
      writeFileSync(join(repo, 'services', svc, 'src', 'main.ts'), `// ${svc}\n`);
    }
    writeFileSync(join(repo, 'package-lock.json'), '{}\n');
    git('add', '.');
    git('commit', '-qm', 'first');
    const first = git('rev-parse', 'HEAD');
    writeFileSync(join(repo, 'services', 'customer', 'src', 'main.ts'), '// customer, changed\n');
    mkdirSync(join(repo, 'docs'));
    writeFileSync(join(repo, 'docs', 'notes.md'), 'docs do not make images\n');
    git('add', '.');
    git('commit', '-qm', 'second');
    const head = git('rev-parse', 'HEAD');

    // what ECS runs: customer and products from the first commit, shopping never deployed (ARM64);
    // Terraform registered products:3 after products:2 that runs
    const td = (family: string, revision: number, image: string, arch = 'X86_64') => ({
      taskDefinitionArn: `arn:aws:ecs:eu-west-1:1:task-definition/${family}:${revision}`,
      runtimePlatform: { cpuArchitecture: arch },
      containerDefinitions: [{ name: family.split('-').pop(), image }],
    });
    const repoUrl = (svc: string) => `1.dkr.ecr.eu-west-1.amazonaws.com/p/${svc}`;
    const definitions = [
      td('p-customer', 5, `${repoUrl('customer')}:${first}`),
      td('p-products', 2, `${repoUrl('products')}:${first}`),
      td('p-products', 3, `${repoUrl('products')}:bootstrap`),
      td('p-shopping', 1, `${repoUrl('shopping')}:bootstrap`, 'ARM64'),
    ];
    const state = {
      services: {
        customer: definitions[0]?.taskDefinitionArn,
        products: definitions[1]?.taskDefinitionArn,
        shopping: definitions[3]?.taskDefinitionArn,
      },
      definitions,
    };
    const bin = mkdtempSync(join(tmpdir(), 'aws-'));
    writeFileSync(join(bin, 'state.json'), JSON.stringify(state));
    // the two calls the step makes, as the AWS CLI answers them
    writeFileSync(
      join(bin, 'aws'),
      `#!/usr/bin/env node
const state = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(join(bin, 'state.json'))}, 'utf8'));
const args = process.argv.slice(2);
const arg = (name) => args[args.indexOf(name) + 1];
if (args[1] === 'describe-services') {
  if (arg('--query') !== 'services[0].taskDefinition' || arg('--output') !== 'text') process.exit(3);
  console.log(state.services[arg('--services')]);
} else if (args[1] === 'describe-task-definition') {
  const wanted = arg('--task-definition');
  const found = state.definitions.filter((d) => d.taskDefinitionArn === wanted || d.taskDefinitionArn.includes('/' + wanted + ':')).at(-1);
  if (!found) { console.error('not found: ' + wanted); process.exit(254); }
  console.log(JSON.stringify({ taskDefinition: found }));
} else process.exit(2);
`,
    );
    chmodSync(join(bin, 'aws'), 0o755);
    const targets = Object.fromEntries(
      ['customer', 'products', 'shopping'].map((svc) => [
        svc,
        { cluster: 'p', service: svc, repository: repoUrl(svc), family: `p-${svc}` },
      ]),
    );
    const script = step('deploy.yml', 'apply', (s) => s.id === 'release').run;
    const run = runStep(
      script,
      {
        PATH: `${bin}:${process.env.PATH}`,
        TARGETS: JSON.stringify(targets),
        REGION: 'eu-west-1',
        GITHUB_SHA: head,
      },
      repo,
    );
    expect(run.code, run.log).toBe(0);
    expect(JSON.parse(run.outputs.build ?? '')).toEqual([
      { service: 'customer', platform: 'linux/amd64' },
      { service: 'shopping', platform: 'linux/arm64' },
    ]);
    expect(JSON.parse(run.outputs.deploy ?? '')).toEqual([
      { service: 'customer', image: true },
      { service: 'products', image: false },
      { service: 'shopping', image: true },
    ]);

    // once everything runs the current code on the latest revisions: nothing to do
    const latest = ['customer', 'products', 'shopping'].map((svc) => td(`p-${svc}`, 9, `${repoUrl(svc)}:${head}`));
    const current = {
      services: Object.fromEntries(latest.map((d) => [d.containerDefinitions[0]?.name, d.taskDefinitionArn])),
      definitions: latest,
    };
    writeFileSync(join(bin, 'state.json'), JSON.stringify(current));
    const again = runStep(
      script,
      { PATH: `${bin}:${process.env.PATH}`, TARGETS: JSON.stringify(targets), REGION: 'eu-west-1', GITHUB_SHA: head },
      repo,
    );
    expect(again.code, again.log).toBe(0);
    expect(again.outputs).toEqual({ build: '[]', deploy: '[]' });
  });
});
