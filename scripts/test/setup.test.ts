/**
 * `npm run setup` end to end, as a user runs it in a fresh fork: against moto (STS, S3, IAM,
 * KMS: the bootstrap is applied for real, with the real AWS provider, through AWS_ENDPOINT_URL)
 * and the fake GitHub API. Then: a second run changes nothing; doctor finds nothing to fix; the
 * secrets it made are nowhere but in GitHub; without a token it prints the gh commands instead;
 * a password can come on stdin.
 */

import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './fake-github.ts';
import { startPolicyShim } from './moto-policy-shim.ts';
import { type Moto, startMoto } from './ops-moto.ts';
import { createFork, everythingOnDisk, type Fork, type Run, run } from './setup-fork.ts';

const REGION = 'eu-central-1'; // from AWS_REGION: not the tfvars' eu-west-1, so every copy must change
const ENVIRONMENTS = ['staging', 'production'];
const ADMIN = 'owner@example.com';
const SMOKE = 'owner+smoke@example.com';
const ENV_FILES = ENVIRONMENTS.flatMap((e) => [
  `${e}.tfvars`,
  `${e}.s3.tfbackend`,
  `${e}.credentials.s3.tfbackend`,
]).map((f) => `infra/terraform/environments/${f}`);

/**
 * Until the bootstrap trusts a list of environments (issue 18.2, the envs branch), it has one
 * deploy role, for production; setup then reports staging's as missing. Both layouts are checked
 * exactly; after the merge only the first remains.
 */
const bootstrapVariables = readFileSync(
  join(import.meta.dirname, '../../infra/terraform/bootstrap/variables.tf'),
  'utf8',
);
const perEnvironmentRoles = /variable\s+"environments"/.test(bootstrapVariables);
const deployRole = (env: string) =>
  perEnvironmentRoles ? `shop-deploy-${env}` : env === 'production' ? 'shop-github-deploy' : undefined;

let moto: Moto;
let aws: Awaited<ReturnType<typeof startPolicyShim>>;
let fork: Fork;
let github: FakeGitHub;
let env: Record<string, string | undefined>;
const runs: Run[] = [];
let first: Run;

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const lines = (r: Run, mark: string) => r.stdout.split('\n').filter((l) => l.startsWith(`  ${mark.padEnd(5)} `));

beforeAll(async () => {
  moto = await startMoto();
  aws = await startPolicyShim(moto.endpoint);
  fork = createFork('acme/shop');
  github = await startFakeGitHub({
    owner: 'acme',
    name: 'shop',
    id: 42,
    ownerId: 7,
    gitDir: fork.gitDir,
    workflows: [
      { path: '.github/workflows/ci.yml', state: 'disabled_fork' },
      { path: '.github/workflows/deploy.yml', state: 'disabled_fork' },
    ],
  });
  env = { AWS_ENDPOINT_URL: aws.url, AWS_REGION: REGION, GITHUB_API_URL: github.url, GH_TOKEN: github.token };
  first = await run('setup', fork, ['--yes', '--admin-email', ADMIN], { env, input: '' });
  runs.push(first);
}, 300_000);

afterAll(async () => {
  await github?.close();
  await aws?.close();
  moto?.close();
  fork?.cleanup();
});

describe('npm run setup in a fresh fork', () => {
  it("writes the tfvars (only its values) and the backends (the bootstrap's bucket), and says what it changed", () => {
    expect(first.code, first.stdout + first.stderr).toBe(perEnvironmentRoles ? 0 : 1);
    expect(first.stdout).toContain(
      `platform setup: acme/shop, name shop, region ${REGION}, environments staging, production, admin ${ADMIN}`,
    );
    const bucket = `shop-tfstate-123456789012-${REGION}`;
    for (const e of ENVIRONMENTS) {
      const tfvars = fork.read(`infra/terraform/environments/${e}.tfvars`);
      expect(tfvars).toMatch(/^name\s+= "shop"$/m);
      expect(tfvars).toMatch(new RegExp(`^environment\\s+= "${e}"$`, 'm'));
      expect(tfvars).toMatch(new RegExp(`^region\\s+= "${REGION}"$`, 'm'));
      expect(tfvars).toMatch(new RegExp(`^admin_emails\\s+= \\["${ADMIN}", "${SMOKE.replace('+', '\\+')}"\\]$`, 'm'));
      // the rest as it was: every other line of the original is still there
      const original = fork.git('show', `main:infra/terraform/environments/${e}.tfvars`).split('\n');
      for (const line of original.filter((l) => !/^(environment|region|admin_emails)\s*=/.test(l)))
        expect(tfvars).toContain(line);
      for (const state of ['platform', 'credentials']) {
        const file = `infra/terraform/environments/${e}.${state === 'platform' ? '' : 'credentials.'}s3.tfbackend`;
        const text = fork.read(file);
        expect(text, file).toContain(`bucket       = "${bucket}"`);
        expect(text, file).toContain(`key          = "${state}/${e}.tfstate"`);
        expect(text, file).toContain(`region       = "${REGION}"`);
        expect(text).not.toContain('REPLACE-WITH');
      }
      expect(first.stdout).toContain(
        `set   infra/terraform/environments/${e}.tfvars: name shop, region eu-west-1 -> ${REGION}, admin_emails + ${ADMIN}, ${SMOKE}`,
      );
    }
  });

  it("applies the bootstrap in the account, with the repository's and the owner's ids in the roles' trust", async () => {
    expect(first.stdout).toMatch(/set {3}Apply complete! Resources: \d+ added, 0 changed, 0 destroyed/);
    const bucket = `shop-tfstate-123456789012-${REGION}`;
    const s3 = new S3Client({ endpoint: aws.url, region: REGION, credentials, forcePathStyle: true });
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    expect(JSON.parse(aws.policies.get(bucket) ?? '{}').Statement.map((st: { Sid: string }) => st.Sid)).toContain(
      'DenyInsecureTransport',
    );
    // the bootstrap's own state: local, and a copy in the bucket for the next machine
    const copy = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'bootstrap/terraform.tfstate' }));
    expect(await copy.Body?.transformToString()).toBe(fork.read('infra/terraform/bootstrap/terraform.tfstate'));
    expect(first.stdout).toContain(`set   the bootstrap's state copied to s3://${bucket}/bootstrap/terraform.tfstate`);
    const iam = new IAMClient({ endpoint: moto.endpoint, region: REGION, credentials });
    const trust = async (role: string) =>
      decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: role }))).Role?.AssumeRolePolicyDocument ?? '');
    expect(await trust('shop-github-plan')).toContain('repo:acme@7/shop@42:pull_request');
    for (const e of ENVIRONMENTS) {
      const role = deployRole(e);
      if (role) expect(await trust(role)).toContain(`repo:acme@7/shop@42:environment:${e}`);
      else expect(first.stdout).toContain(`FIX   the bootstrap has no deploy role for ${e}`);
    }
  });

  it('sets the GitHub variables, environments (main only; production with reviewers), secrets, branch protection, workflows', () => {
    const repo = github.repo;
    expect(Object.fromEntries(repo.variables)).toEqual({
      AWS_REGION: REGION,
      TF_STATE_BUCKET: `shop-tfstate-123456789012-${REGION}`,
      AWS_PLAN_ROLE_ARN: 'arn:aws:iam::123456789012:role/shop-github-plan',
    });
    expect([...repo.environments.keys()]).toEqual(ENVIRONMENTS);
    const passwords = new Set<string>();
    for (const e of ENVIRONMENTS) {
      const environment = repo.environments.get(e);
      expect(environment?.deployment_branch_policy).toEqual({
        protected_branches: false,
        custom_branch_policies: true,
      });
      expect(environment?.branchPolicies.map((b) => b.name)).toEqual(['main']);
      expect(environment?.reviewers).toEqual(e === 'production' ? [{ type: 'User', id: 7 }] : []);
      const role = deployRole(e);
      expect(Object.fromEntries(environment?.variables ?? [])).toEqual({
        ...(role && { AWS_DEPLOY_ROLE_ARN: `arn:aws:iam::123456789012:role/${role}` }),
        SMOKE_ADMIN_EMAIL: SMOKE,
      });
      const password = github.secret(e, 'SMOKE_ADMIN_PASSWORD');
      expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      passwords.add(password ?? '');
    }
    expect(passwords.size).toBe(2); // one per environment
    expect(repo.protection).toMatchObject({ checks: ['ci-ok'], requiresPullRequest: true });
    expect(repo.workflowPermissions).toBe('read');
    expect(repo.workflows.map((w) => w.state)).toEqual(['active', 'active']);
  });

  it('ends with a pull request of its files, from a branch with exactly them, and the checkout on that branch', () => {
    expect(github.repo.pulls).toHaveLength(1);
    expect(github.repo.pulls[0]).toMatchObject({ head: 'platform-setup', base: 'main', state: 'open' });
    expect(first.stdout).toContain('set   pull request #1: https://github.com/acme/shop/pull/1');
    const changed = fork
      .git('--git-dir', fork.gitDir, 'diff', '--name-only', 'main', 'platform-setup')
      .split('\n')
      .sort();
    expect(changed).toEqual([...ENV_FILES].sort());
    for (const f of ENV_FILES)
      expect(fork.git('--git-dir', fork.gitDir, 'show', `platform-setup:${f}`)).toBe(fork.read(f).trimEnd());
    expect(fork.git('rev-parse', '--abbrev-ref', 'HEAD')).toBe('platform-setup');
    expect(fork.git('status', '--porcelain', '--', 'infra')).toBe('');
    expect(fork.git('rev-parse', 'main')).toBe(fork.git('--git-dir', fork.gitDir, 'rev-parse', 'main'));
  });
});

describe('running it again', () => {
  it('changes nothing, and says so', async () => {
    const writesBefore = github.writes().length;
    const passwords = ENVIRONMENTS.map((e) => github.secret(e, 'SMOKE_ADMIN_PASSWORD'));
    const files = ENV_FILES.map((f) => fork.read(f));
    const branch = fork.git('--git-dir', fork.gitDir, 'rev-parse', 'platform-setup');
    const again = await run('setup', fork, ['--yes'], { env, input: '' });
    runs.push(again);
    expect(again.code, again.stdout + again.stderr).toBe(perEnvironmentRoles ? 0 : 1);
    expect(lines(again, 'set')).toEqual([]);
    expect(again.stdout).toContain('ok    the account is as the bootstrap describes it (no changes)');
    expect(again.stdout).toContain('ok    pull request #1 is open');
    if (perEnvironmentRoles) expect(again.stdout).toContain('Nothing to change: everything was already set up.');
    expect(github.writes().slice(writesBefore)).toEqual([]);
    expect(ENVIRONMENTS.map((e) => github.secret(e, 'SMOKE_ADMIN_PASSWORD'))).toEqual(passwords);
    expect(ENV_FILES.map((f) => fork.read(f))).toEqual(files);
    expect(fork.git('--git-dir', fork.gitDir, 'rev-parse', 'platform-setup')).toBe(branch);
  }, 180_000);

  it('on another machine (no bootstrap state there) finds the state in the bucket, and changes nothing', async () => {
    const state = join(fork.dir, 'infra/terraform/bootstrap/terraform.tfstate');
    const before = readFileSync(state, 'utf8');
    rmSync(state);
    rmSync(join(fork.dir, 'infra/terraform/bootstrap/.terraform'), { recursive: true, force: true });
    const writesBefore = github.writes().length;
    const again = await run('setup', fork, ['--yes'], { env, input: '' });
    runs.push(again);
    expect(again.stdout).toContain(
      "ok    the bootstrap's state came from the bucket (bootstrap/terraform.tfstate): this machine had none",
    );
    expect(again.stdout).toContain('ok    the account is as the bootstrap describes it (no changes)');
    expect(lines(again, 'set')).toEqual([]);
    expect(github.writes().slice(writesBefore)).toEqual([]);
    expect(readFileSync(state, 'utf8')).toBe(before);
  }, 180_000);

  it('with no state here nor in the bucket, but the roles in the account: stops, changing nothing', async () => {
    const state = join(fork.dir, 'infra/terraform/bootstrap/terraform.tfstate');
    const before = readFileSync(state, 'utf8');
    const s3 = new S3Client({ endpoint: aws.url, region: REGION, credentials, forcePathStyle: true });
    const bucket = `shop-tfstate-123456789012-${REGION}`;
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'bootstrap/terraform.tfstate' }));
    rmSync(state);
    try {
      const writesBefore = github.writes().length;
      const r = await run('setup', fork, ['--yes'], { env, input: '' });
      runs.push(r);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(
        `FIX   the bootstrap was applied in account 123456789012 before (role shop-github-plan exists), but this machine has no state for it and s3://${bucket}/bootstrap/terraform.tfstate neither`,
      );
      expect(existsSync(state)).toBe(false);
      expect(github.writes().slice(writesBefore)).toEqual([]);
    } finally {
      writeFileSync(state, before);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'bootstrap/terraform.tfstate', Body: before }));
    }
  }, 120_000);

  it('doctor finds nothing to fix', async () => {
    const doctor = await run('doctor', fork, [], { env });
    runs.push(doctor);
    const fix = lines(doctor, 'FIX');
    if (perEnvironmentRoles) {
      expect(fix, doctor.stdout).toEqual([]);
      expect(doctor.code).toBe(0);
      expect(doctor.stdout).toMatch(/All good/);
    } else {
      expect(fix).toEqual([
        '  FIX   the bootstrap has no deploy role for staging: npm run setup applies it with every environment',
        '  FIX   variable AWS_DEPLOY_ROLE_ARN of environment staging is not set: npm run setup',
      ]);
    }
    expect(doctor.stdout).toContain(`ok    region ${REGION}: the same in 8 place(s)`);
    expect(doctor.stdout).toContain('ok    environment production: required reviewers acme');
  }, 60_000);
});

describe('secrets', () => {
  it('a password given on stdin is set where the secret is missing, and only there', async () => {
    const staging = github.secret('staging', 'SMOKE_ADMIN_PASSWORD');
    github.repo.environments.get('production')?.secrets.delete('SMOKE_ADMIN_PASSWORD');
    const given = 'correct-horse-battery-staple-42';
    const r = await run('setup', fork, ['--yes', '--smoke-admin-password-stdin', '--no-pull-request'], {
      env,
      input: `${given}\n`,
    });
    runs.push(r);
    expect(github.secret('production', 'SMOKE_ADMIN_PASSWORD')).toBe(given);
    expect(github.secret('staging', 'SMOKE_ADMIN_PASSWORD')).toBe(staging);
    expect(lines(r, 'set')).toEqual([
      '  set   secret SMOKE_ADMIN_PASSWORD of environment production (given, never shown)',
    ]);
    expect(r.stdout + r.stderr).not.toContain(given);
  }, 180_000);

  it('never appear in any output, file, git object or request GitHub got, but as sealed boxes', () => {
    const secrets = ENVIRONMENTS.map((e) => github.secret(e, 'SMOKE_ADMIN_PASSWORD') ?? '').concat([
      'correct-horse-battery-staple-42',
    ]);
    expect(secrets.every((s) => s.length >= 30)).toBe(true);
    const disk = everythingOnDisk(fork);
    expect(disk.some((f) => f.file.endsWith('bootstrap/terraform.tfstate'))).toBe(true);
    for (const secret of secrets) {
      for (const r of runs) expect(r.stdout + r.stderr).not.toContain(secret);
      for (const f of disk) expect(f.text.includes(secret), f.file).toBe(false);
      for (const req of github.requests) expect(req.body.includes(secret), req.path).toBe(false);
    }
    const puts = github.requests.filter((r) => r.method === 'PUT' && r.path.includes('/secrets/'));
    expect(puts).toHaveLength(3);
    for (const p of puts) expect(Object.keys(JSON.parse(p.body)).sort()).toEqual(['encrypted_value', 'key_id']);
  });
});

describe('previews, and a repository set up before environments', () => {
  it('--previews: PREVIEWS=true and every branch may deploy to staging; the old repository-wide variables go; --no-previews undoes it', async () => {
    // a fork set up by hand with the single-environment FORKING.md: both at the repository level
    github.repo.variables.set('AWS_DEPLOY_ROLE_ARN', 'arn:aws:iam::123456789012:role/shop-github-deploy');
    github.repo.variables.set('SMOKE_ADMIN_EMAIL', SMOKE);
    const on = await run('setup', fork, ['--yes', '--previews', '--no-pull-request'], { env, input: '' });
    runs.push(on);
    expect(github.repo.variables.get('PREVIEWS')).toBe('true');
    expect(github.repo.environments.get('staging')?.deployment_branch_policy).toBeNull();
    expect(github.repo.environments.get('production')?.deployment_branch_policy).toEqual({
      protected_branches: false,
      custom_branch_policies: true,
    });
    expect(github.repo.environments.get('production')?.reviewers).toEqual([{ type: 'User', id: 7 }]);
    expect(lines(on, 'set')).toEqual(
      expect.arrayContaining([
        '  set   repository variable PREVIEWS = true',
        '  set   environment staging: every branch may deploy (pull-request previews)',
        ...(perEnvironmentRoles
          ? ['  set   repository variable AWS_DEPLOY_ROLE_ARN removed (each environment has its own)']
          : []),
        '  set   repository variable SMOKE_ADMIN_EMAIL removed (each environment has its own)',
      ]),
    );
    expect(github.repo.variables.has('SMOKE_ADMIN_EMAIL')).toBe(false);
    if (perEnvironmentRoles) expect(github.repo.variables.has('AWS_DEPLOY_ROLE_ARN')).toBe(false);
    const doctor = await run('doctor', fork, [], { env });
    expect(doctor.stdout).toContain(
      'ok    environment staging: every branch may deploy (PREVIEWS=true: pull-request previews run in it)',
    );

    const off = await run('setup', fork, ['--yes', '--no-previews', '--no-pull-request'], { env, input: '' });
    runs.push(off);
    expect(github.repo.variables.get('PREVIEWS')).toBe('false');
    expect(github.repo.environments.get('staging')?.deployment_branch_policy).toEqual({
      protected_branches: false,
      custom_branch_policies: true,
    });
    expect(github.repo.environments.get('staging')?.branchPolicies.map((b) => b.name)).toEqual(['main']);
    github.repo.variables.delete('AWS_DEPLOY_ROLE_ARN');
  }, 240_000);
});

describe('without a GitHub token', () => {
  it('prints the gh commands for every GitHub setting (no secret in them) and changes nothing on GitHub', async () => {
    const writes = github.writes().length;
    const r = await run('setup', fork, ['--yes', '--no-pull-request'], {
      env: { ...env, GH_TOKEN: undefined },
      input: '',
    });
    runs.push(r);
    expect(r.stdout).toContain(
      'todo  GitHub: gh is not installed and GH_TOKEN is not set: setup prints the GitHub settings as gh commands at the end',
    );
    expect(r.stdout).toContain(`gh variable set AWS_REGION --repo acme/shop --body '${REGION}'`);
    expect(r.stdout).toContain(
      "gh variable set SMOKE_ADMIN_EMAIL --env production --repo acme/shop --body 'owner+smoke@example.com'",
    );
    expect(r.stdout).toContain(
      'openssl rand -base64 32 | gh secret set SMOKE_ADMIN_PASSWORD --env production --repo acme/shop',
    );
    expect(r.stdout).toContain('gh api --method PUT repos/acme/shop/environments/production --input - <<JSON');
    expect(r.stdout).toContain('"reviewers":[{"type":"User","id":$(gh api users/acme --jq .id)}]');
    expect(r.stdout).toContain("gh api --method PUT repos/acme/shop/branches/main/protection --input - <<'JSON'");
    expect(github.writes().length).toBe(writes);
    // the repository's ids came from its public page, unauthenticated
    expect(github.requests.filter((q) => q.authorization === undefined).map((q) => q.path)).toContain(
      '/repos/acme/shop',
    );
  }, 180_000);

  it('takes the token from `gh auth token` (for GH_HOST) when GH_TOKEN is not set', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'fake-gh-'));
    const gh = join(bin, 'gh');
    writeFileSync(
      gh,
      `#!/bin/sh\n[ "$1 $2 $3 $4" = "auth token --hostname ghe.example.com" ] && echo ${github.token} && exit 0\n[ "$1" = "--version" ] && echo "gh version 2.99.0" && exit 0\nexit 1\n`,
    );
    chmodSync(gh, 0o755);
    expect(existsSync(gh)).toBe(true);
    // (the remote is on github.com, not GH_HOST: so --repo)
    const r = await run('doctor', fork, ['--repo', 'acme/shop'], {
      env: { ...env, GH_TOKEN: undefined, GH_HOST: 'ghe.example.com', PATH: `${bin}:${process.env.PATH}` },
    });
    expect(r.stdout).toContain('ok    GitHub acme/shop (public), token from gh auth token');
    expect(r.stdout).toContain('ok    gh 2.99.0');
  }, 60_000);
});
